"""The restart pauses of `make run`'s supervisor."""

from __future__ import annotations

from scripts.supervisor import Backoff


def test_a_process_that_keeps_failing_waits_longer_each_time_up_to_the_longest_pause():
    backoff = Backoff(first=1, longest=30, steady=60)
    assert [backoff.after_exit(ran_for=2) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_ran_steadily_is_started_again_quickly():
    backoff = Backoff(first=1, longest=30, steady=60)
    for _ in range(5):
        backoff.after_exit(ran_for=1)
    assert backoff.after_exit(ran_for=61) == 1
    assert backoff.after_exit(ran_for=3) == 2
