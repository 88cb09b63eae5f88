"""One module per node of the state machine; `base.node` is the runner that wraps them all."""
