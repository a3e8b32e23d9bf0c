"""Fails when the held-out NLU results in a `rasa test nlu` output folder are below a threshold."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--min-accuracy", type=float, required=True)
    args = parser.parse_args()
    report = json.loads((args.results / "intent_report.json").read_text(encoding="utf-8"))
    accuracy = report["accuracy"]
    macro_f1 = report["macro avg"]["f1-score"]
    print(
        f"Held-out intent accuracy {accuracy:.3f}, macro-F1 {macro_f1:.3f} (minimum accuracy "
        f"{args.min_accuracy})"
    )
    weak = {
        name: values["f1-score"]
        for name, values in report.items()
        if isinstance(values, dict)
        and "f1-score" in values
        and name not in ("macro avg", "weighted avg", "micro avg")
        and values["f1-score"] < 0.9
    }
    for name, f1 in sorted(weak.items(), key=lambda item: item[1]):
        print(f"  weak intent: {name} F1 {f1:.3f}")
    if accuracy < args.min_accuracy:
        sys.exit(f"Held-out intent accuracy {accuracy:.3f} is below {args.min_accuracy}")


if __name__ == "__main__":
    main()
