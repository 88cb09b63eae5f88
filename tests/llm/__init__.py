"""Tests of the LLM client layer; `fakeserver` is reusable by end-to-end tests."""
