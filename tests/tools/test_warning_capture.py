"""Per-thread warning capture: concurrent fits keep their own warnings, nothing leaks or prints."""

import threading
import warnings

from tools.warning_capture import captured_warnings


def test_concurrent_captures_keep_their_own_warnings_and_restore_the_filters(capsys):
    before = (list(warnings.filters), warnings.showwarning)
    inside = threading.Barrier(2)
    leaving = threading.Barrier(2)
    seen: dict[str, list[str]] = {}

    def fit(name: str, stays_longer: bool) -> None:
        with captured_warnings() as caught:
            inside.wait()  # both captures are open at once
            for _ in range(3):  # repeats are recorded, not collapsed by the once-per-place rule
                warnings.warn(f"from {name}", UserWarning, stacklevel=1)
            if not stays_longer:
                leaving.wait()  # the other capture is still open while this one closes
        if stays_longer:
            leaving.wait()
        seen[name] = [str(w.message) for w in caught]

    # "b" closes its capture while "a"'s is still open
    threads = [threading.Thread(target=fit, args=(n, n == "b")) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": ["from a"] * 3, "b": ["from b"] * 3}
    assert (list(warnings.filters), warnings.showwarning) == before
    assert capsys.readouterr().err == ""


def test_a_capture_outlives_one_opened_before_it():
    """A opens, B opens, A closes, B warns: catch_warnings would restore the filters A saw and
    B's warning would be printed instead of recorded."""
    a_open, b_open, a_closed = threading.Event(), threading.Event(), threading.Event()
    late: list[str] = []

    def b() -> None:
        a_open.wait()
        with captured_warnings() as caught:
            b_open.set()
            a_closed.wait()
            warnings.warn("late", RuntimeWarning, stacklevel=1)
        late.extend(str(w.message) for w in caught)

    thread = threading.Thread(target=b)
    thread.start()
    with captured_warnings() as first:
        a_open.set()
        b_open.wait()
        warnings.warn("early", UserWarning, stacklevel=1)
    a_closed.set()
    thread.join()
    assert [str(w.message) for w in first] == ["early"]
    assert late == ["late"]


def test_nested_capture_records_only_its_own_and_outer_continues():
    with captured_warnings() as outer:
        warnings.warn("one", UserWarning, stacklevel=1)
        with captured_warnings() as inner:
            warnings.warn("two", UserWarning, stacklevel=1)
        warnings.warn("three", UserWarning, stacklevel=1)
    assert [str(w.message) for w in outer] == ["one", "three"]
    assert [str(w.message) for w in inner] == ["two"]
