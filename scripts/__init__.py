"""The make targets' programs: setup, training, running, evaluation and benchmarks."""
