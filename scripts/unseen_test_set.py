"""Writes the held-out NLU test set without the messages that are also training examples, for the
accuracy gate of `make test` (the same messages `make eval` measures).

    python -m scripts.unseen_test_set tests/nlu_test.yml var/test-results/nlu_test_unseen.yml
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scripts.evaluate import training_texts, unseen_only


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("test_set", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    examples = load_data(str(args.test_set)).intent_examples
    unseen, _oos, _left_out = unseen_only(examples, {}, training_texts())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    RasaYAMLWriter().dump(args.out, TrainingData(training_examples=unseen))
    print(f"{len(unseen)} of {len(examples)} held-out messages are not training examples: {args.out}")


if __name__ == "__main__":
    main()
