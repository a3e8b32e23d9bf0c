"""make eval: NLU quality of the project's config against the peer (rasa init's defaults, `language: nl`),
side by side, in one run.

For each system:
- held-out test set (tests/nlu_test.yml) on the trained model: intent accuracy, macro-F1 and F1 per
  intent, entity F1 (strict: same start, end and type);
- English held-out test set (tests/nlu_test_en.yml) on the same model: intent accuracy, macro-F1, F1
  per intent and the messages that still fail;
- k-fold cross-validation on all NLU training files of data/ (the same stratified folds for both configs);
- out-of-scope and nonsense messages (benchmarks/out_of_scope.yml): declined (out_of_scope or
  nlu_fallback) or wrongly answered;
- the FallbackClassifier threshold: what each threshold would decline and let through, on the
  cross-validation folds (where the threshold is chosen) and on the held-out set (which checks it);
- the held-out messages that still fail, grouped by confusion.

Intent figures take the classifier's top intent, as `rasa test nlu` does (the FallbackClassifier's
nlu_fallback is undone); how many in-scope test messages the fallback declines is a figure of its own.

Writes results/eval.md, results/eval.json and the plots results/eval_confusion.png,
results/eval_per_intent.png and results/eval_thresholds.png.
Cross-validation folds are cached in var/eval-cache/ by the hash of config, data and spaCy pipeline,
so a second run with unchanged inputs only evaluates the held-out set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.nlu_examples import nlu_files, normalise, read_examples
from scripts.peer_model import PEER_CONFIG, ensure_peer_model, fingerprint, peer_record

ROOT = Path(__file__).resolve().parent.parent
os.chdir(ROOT)  # config.yml loads the spaCy pipeline from the relative path build/spacy-nl

PROJECT_CONFIG = ROOT / "config.yml"
PROJECT_MODEL = ROOT / "models" / "klantenservice.tar.gz"
TEST_DATA = ROOT / "tests" / "nlu_test.yml"
TEST_DATA_EN = ROOT / "tests" / "nlu_test_en.yml"
ENGLISH_MIN_ACCURACY = 0.90  # the English gate of `make test` (scripts/test.sh)
TRAIN_DATA = ROOT / "data"
OUT_OF_SCOPE = ROOT / "benchmarks" / "out_of_scope.yml"
SPACY_DIR = ROOT / "build" / "spacy-nl"
CACHE_DIR = ROOT / "var" / "eval-cache"
DECLINED = {"out_of_scope", "nlu_fallback"}
FALLBACK = "nlu_fallback"
SYSTEMS = ("project", "peer")

STARTED = time.monotonic()


def rel(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def log(message: str) -> None:
    print(f"[eval {time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


# --- predictions -------------------------------------------------------------------------------


async def predict(processor: Any, texts: list[str]) -> list[dict]:
    """The model's reading of each text: top intent (fallback undone), final intent, entities."""
    from rasa.core.channels.channel import UserMessage

    predictions = []
    for text in texts:
        result = await processor.parse_message(UserMessage(text=text))
        final = result["intent"]["name"]
        ranking = [item for item in result.get("intent_ranking", []) if item["name"] != FALLBACK]
        top = ranking[0] if ranking else result["intent"]
        entities = sorted({(e["start"], e["end"], e["entity"]) for e in result.get("entities", [])})
        second = float(ranking[1]["confidence"]) if len(ranking) > 1 else 0.0
        predictions.append(
            {
                "text": text,
                "intent": top["name"],
                "confidence": round(float(top["confidence"]), 4),
                "second_confidence": round(second, 4),
                "final": final,
                "entities": [list(e) for e in entities],
            }
        )
    return predictions


def gold_of(examples: list[Any]) -> list[dict]:
    return [
        {
            "text": ex.get("text"),
            "intent": ex.get("intent"),
            "entities": sorted([e["start"], e["end"], e["entity"]] for e in ex.get("entities") or []),
        }
        for ex in examples
    ]


# --- metrics -----------------------------------------------------------------------------------


def intent_metrics(gold: list[dict], predicted: list[dict]) -> dict:
    from sklearn.metrics import precision_recall_fscore_support

    targets = [g["intent"] for g in gold]
    outputs = [p["intent"] for p in predicted]
    labels = sorted(set(targets))
    precision, recall, f1, support = precision_recall_fscore_support(
        targets, outputs, labels=labels, zero_division=0
    )
    per_intent = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    correct = sum(t == o for t, o in zip(targets, outputs, strict=True))
    declined = [
        g["text"]
        for g, p in zip(gold, predicted, strict=True)
        if g["intent"] not in DECLINED and p["final"] in DECLINED
    ]
    return {
        "examples": len(targets),
        "accuracy": round(correct / len(targets), 4),
        "macro_f1": round(float(sum(f1) / len(f1)), 4),
        "min_intent_f1": round(float(min(f1)), 4),
        "per_intent": per_intent,
        "in_scope_declined": len(declined),
        "in_scope_declined_messages": declined,
        "in_scope_examples": sum(g["intent"] not in DECLINED for g in gold),
        "errors": [
            {
                "text": g["text"],
                "intent": g["intent"],
                "predicted": p["intent"],
                "confidence": p["confidence"],
            }
            for g, p in zip(gold, predicted, strict=True)
            if g["intent"] != p["intent"]
        ],
    }


def entity_metrics(gold: list[dict], predicted: list[dict]) -> dict:
    """Strict span match: an entity counts when start, end and type are the same."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gold, predicted, strict=True):
        wanted = Counter(tuple(e) for e in g["entities"])
        found = Counter(tuple(e) for e in p["entities"])
        for span in wanted | found:
            hits = min(wanted[span], found[span])
            counts[span[2]]["tp"] += hits
            counts[span[2]]["fn"] += wanted[span] - hits
            counts[span[2]]["fp"] += found[span] - hits

    def prf(c: Counter) -> dict:
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": c["tp"] + c["fn"],
        }

    total = sum(counts.values(), Counter())
    return {"micro": prf(total), "per_entity": {name: prf(c) for name, c in sorted(counts.items())}}


def confusions(errors: list[dict]) -> list[dict]:
    """The errors grouped by (true intent, predicted intent), the most frequent confusion first."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for error in errors:
        groups[(error["intent"], error["predicted"])].append(error)
    return [
        {"intent": intent, "predicted": predicted, "count": len(items), "texts": [e["text"] for e in items]}
        for (intent, predicted), items in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    ]


def decline_metrics(messages: dict[str, list[str]], predicted: dict[str, list[dict]]) -> dict:
    result: dict[str, dict[str, Any]] = {}
    for kind, texts in messages.items():
        wrong = [
            {"text": p["text"], "answered_as": p["final"]}
            for p in predicted[kind]
            if p["final"] not in DECLINED
        ]
        result[kind] = {
            "messages": len(texts),
            "declined": len(texts) - len(wrong),
            "wrongly_answered": wrong,
        }
    total = sum(r["messages"] for r in result.values())
    declined = sum(r["declined"] for r in result.values())
    result["all"] = {"messages": total, "declined": declined, "rate": round(declined / total, 4)}
    return result


# --- the steps ---------------------------------------------------------------------------------


def training_texts(folder: Path = TRAIN_DATA) -> set[str]:
    """Every intent example of data/, normalised as the review inbox compares sentences."""
    return {
        normalise(text)
        for path in nlu_files(folder)
        for texts in read_examples(path).values()
        for text in texts
    }


def unseen_only(
    test_examples: list[Any], oos: dict[str, list[str]], seen: set[str]
) -> tuple[list[Any], dict[str, list[str]], dict[str, list[str]]]:
    """The held-out and out-of-scope messages that are not training examples, and those left out:
    a message the model was trained on measures memory, not understanding."""
    kept, held_out_repeats = _split(test_examples, lambda example: example.get("text"), seen)
    kept_oos, oos_repeats = {}, []
    for kind, texts in oos.items():
        kept_oos[kind], repeated = _split(texts, str, seen)
        oos_repeats += repeated
    return kept, kept_oos, {"held_out": held_out_repeats, "out_of_scope": oos_repeats}


def _split(items: list[Any], text_of: Any, seen: set[str]) -> tuple[list[Any], list[str]]:
    """The items whose text is not in `seen`, and the texts of those that are."""
    kept, repeated = [], []
    for item in items:
        if normalise(text_of(item)) in seen:
            repeated.append(text_of(item))
        else:
            kept.append(item)
    return kept, repeated


def load_processor(model: Path) -> Any:
    from rasa.core.agent import Agent

    return Agent.load(str(model)).processor


async def held_out(
    system: str, processor: Any, model: Path, test_examples: list[Any], oos: dict[str, list[str]]
) -> dict:
    gold = gold_of(test_examples)
    started = time.monotonic()
    predicted = await predict(processor, [g["text"] for g in gold])
    oos_predicted = {kind: await predict(processor, texts) for kind, texts in oos.items()}
    seconds = time.monotonic() - started
    log(
        f"{system}: held-out set and out-of-scope messages parsed ({len(gold)} + "
        f"{sum(map(len, oos.values()))} messages in {seconds:.1f} s)"
    )
    return {
        "intents": intent_metrics(gold, predicted),
        "entities": entity_metrics(gold, predicted),
        "out_of_scope": decline_metrics(oos, oos_predicted),
        "fallback_thresholds": threshold_sweep(
            gold,
            predicted,
            [p for kind in oos_predicted.values() for p in kind],
            fallback_settings(model),
        ),
        "confusion": {"gold": [g["intent"] for g in gold], "predicted": [p["intent"] for p in predicted]},
    }


async def held_out_english(system: str, processor: Any, test_examples: list[Any]) -> dict:
    """The English held-out set: intents only (its entities are the Dutch set's business)."""
    gold = gold_of(test_examples)
    started = time.monotonic()
    predicted = await predict(processor, [g["text"] for g in gold])
    log(f"{system}: English held-out set parsed ({len(gold)} messages in {time.monotonic() - started:.1f} s)")
    return {
        "intents": intent_metrics(gold, predicted),
        "confusion": {"gold": [g["intent"] for g in gold], "predicted": [p["intent"] for p in predicted]},
    }


def fallback_settings(model: Path) -> dict:
    """The FallbackClassifier's threshold and ambiguity threshold of the config the model was trained with."""
    import tarfile

    with tarfile.open(model) as archive:
        metadata_file = next(m for m in archive.getmembers() if m.name.lstrip("./") == "metadata.json")
        stored = archive.extractfile(metadata_file)
        if stored is None:
            raise ValueError(f"{model}: metadata.json is not a file")
        config = json.load(stored)["predict_schema"]["nodes"]
    for node in config.values():
        if node["uses"].endswith("FallbackClassifier"):
            return {
                "threshold": node["config"].get("threshold", 0.3),
                "ambiguity_threshold": node["config"].get("ambiguity_threshold", 0.1),
            }
    return {"threshold": 0.0, "ambiguity_threshold": 0.0}


def config_fallback_settings(config: Path) -> dict:
    """The FallbackClassifier's thresholds in a config file (Rasa's defaults where it sets none)."""
    import yaml

    pipeline = yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline") or []
    for component in pipeline:
        if str(component.get("name", "")).endswith("FallbackClassifier"):
            return {
                "threshold": component.get("threshold", 0.3),
                "ambiguity_threshold": component.get("ambiguity_threshold", 0.1),
            }
    return {"threshold": 0.0, "ambiguity_threshold": 0.0}


SWEEP = tuple(round(0.2 + 0.05 * step, 2) for step in range(14))  # 0.2 ... 0.85


def threshold_sweep(
    gold: list[dict], predicted: list[dict], out_of_scope: list[dict], settings: dict
) -> dict:
    """What each FallbackClassifier threshold would do: out-of-scope messages declined, in-scope
    messages declined, and how many of the in-scope messages it lets through get the right intent.

    A message falls back when its top confidence is below the threshold or the top two are closer
    than the ambiguity threshold (kept as configured); an intent `out_of_scope` is declined anyway.
    `handled_right_rate` counts an in-scope message answered with its intent and an out-of-scope
    message declined as handled right; `best_threshold` is the threshold with the highest share (the
    lowest of equals, which leaves the most questions answered).
    """
    ambiguity = settings["ambiguity_threshold"]

    def declined(p: dict, threshold: float) -> bool:
        return (
            p["intent"] in DECLINED
            or p["confidence"] < threshold
            or p["confidence"] - p.get("second_confidence", 0.0) < ambiguity
        )

    in_scope = [(g, p) for g, p in zip(gold, predicted, strict=True) if g["intent"] not in DECLINED]
    rows = []
    for threshold in sorted(set(SWEEP) | {settings["threshold"]}):
        answered = [(g, p) for g, p in in_scope if not declined(p, threshold)]
        right = sum(g["intent"] == p["intent"] for g, p in answered)
        oos_declined = sum(declined(p, threshold) for p in out_of_scope)
        rows.append(
            {
                "threshold": threshold,
                "configured": threshold == settings["threshold"],
                "out_of_scope_declined_rate": round(oos_declined / len(out_of_scope), 4)
                if out_of_scope
                else 0.0,
                "in_scope_declined": len(in_scope) - len(answered),
                "in_scope_declined_rate": round((len(in_scope) - len(answered)) / len(in_scope), 4)
                if in_scope
                else 0.0,
                "in_scope_answered_correctly": right,
                "answered_accuracy": round(right / len(answered), 4) if answered else 0.0,
                "handled_right_rate": round((right + oos_declined) / (len(in_scope) + len(out_of_scope)), 4)
                if in_scope or out_of_scope
                else 0.0,
                "in_scope_messages": len(in_scope),
            }
        )
    best = max(rows, key=lambda row: (row["handled_right_rate"], -row["threshold"]))
    return {
        "ambiguity_threshold": ambiguity,
        "configured_threshold": settings["threshold"],
        "best_threshold": best["threshold"],
        "out_of_scope_messages": len(out_of_scope),
        "rows": rows,
    }


def folds_of(training_data: Any, n_folds: int, seed: int) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    examples = training_data.intent_examples
    labels = [ex.get_full_intent() for ex in examples]
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [(list(train), list(test)) for train, test in splitter.split(examples, labels)]


def system_fingerprint(system: str, config: Path) -> str:
    paths = [config, *nlu_files(TRAIN_DATA)]
    if system == "project":
        paths += sorted(p for p in SPACY_DIR.rglob("*") if p.is_file())
    return fingerprint(paths, f"rasa {metadata.version('rasa')}")[:16]


async def cross_validation(
    system: str, config: Path, training_data: Any, n_folds: int, seed: int, only: set[int] | None = None
) -> dict:
    """k-fold cross-validation, fold by fold into var/eval-cache/ (an interrupted run goes on from the
    last finished fold). With `only`, just those folds are computed now; the figures are then pooled
    over the folds that are done (`folds_done`)."""
    import rasa.model_training
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    key = system_fingerprint(system, config)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    examples = training_data.intent_examples
    fold_results = []
    computed: list[float] = []
    for index, (train_index, test_index) in enumerate(folds_of(training_data, n_folds, seed), start=1):
        cache_file = CACHE_DIR / f"cv-{system}-{key}-k{n_folds}-s{seed}-f{index}.json"
        if only is not None and index not in only and not cache_file.exists():
            log(f"{system}: fold {index}/{n_folds} left out (not cached, not asked for)")
            continue
        if cache_file.exists():
            fold_results.append(json.loads(cache_file.read_text(encoding="utf-8")))
            log(
                f"{system}: fold {index}/{n_folds} from the cache ({fold_results[-1]['seconds']:.0f} s "
                "when run)"
            )
            continue
        log(
            f"{system}: fold {index}/{n_folds}: training on {len(train_index)} examples, "
            f"testing on {len(test_index)}"
        )
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"eval-{system}-") as tmp:
            train = TrainingData(
                training_examples=[examples[i] for i in train_index],
                entity_synonyms=training_data.entity_synonyms,
                regex_features=training_data.regex_features,
                lookup_tables=training_data.lookup_tables,
            )
            train_file = Path(tmp) / "nlu.yml"
            RasaYAMLWriter().dump(train_file, train)
            model = rasa.model_training.train_nlu(str(config), str(train_file), tmp, fixed_model_name="fold")
            processor = load_processor(Path(model))
            test = [examples[i] for i in test_index]
            gold = gold_of(test)
            predicted = await predict(processor, [g["text"] for g in gold])
            del processor
        seconds = time.monotonic() - started
        result = {"fold": index, "seconds": round(seconds, 1), "gold": gold, "predicted": predicted}
        partial = cache_file.with_suffix(".partial")  # a run stopped while writing leaves no half fold
        partial.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        partial.replace(cache_file)
        fold_results.append(result)
        metrics = intent_metrics(gold, predicted)
        computed.append(seconds)
        to_do = sum(
            1
            for later in range(index + 1, n_folds + 1)
            if (only is None or later in only)
            and not (CACHE_DIR / f"cv-{system}-{key}-k{n_folds}-s{seed}-f{later}.json").exists()
        )
        log(
            f"{system}: fold {index}/{n_folds} done in {seconds:.0f} s: accuracy {metrics['accuracy']:.3f}, "
            f"macro-F1 {metrics['macro_f1']:.3f}; about {to_do * statistics.mean(computed) / 60:.0f} min "
            f"left for {to_do} more folds of {system}"
        )
    gold = [g for fold in fold_results for g in fold["gold"]]
    predicted = [p for fold in fold_results for p in fold["predicted"]]
    per_fold = [intent_metrics(fold["gold"], fold["predicted"]) for fold in fold_results]
    pooled = intent_metrics(gold, predicted)
    pooled.pop("errors")
    pooled.pop("in_scope_declined_messages")
    out_of_scope = [p for g, p in zip(gold, predicted, strict=True) if g["intent"] == "out_of_scope"]
    return {
        "folds": n_folds,
        "folds_done": [fold["fold"] for fold in fold_results],
        "seed": seed,
        "intents": pooled,
        "entities": entity_metrics(gold, predicted),
        "per_fold": [
            {"fold": f["fold"], "accuracy": m["accuracy"], "macro_f1": m["macro_f1"], "seconds": f["seconds"]}
            for m, f in zip(per_fold, fold_results, strict=True)
        ],
        "accuracy_mean": round(statistics.mean(m["accuracy"] for m in per_fold), 4),
        "accuracy_std": round(statistics.pstdev(m["accuracy"] for m in per_fold), 4),
        "macro_f1_mean": round(statistics.mean(m["macro_f1"] for m in per_fold), 4),
        "macro_f1_std": round(statistics.pstdev(m["macro_f1"] for m in per_fold), 4),
        "training_seconds": round(sum(f["seconds"] for f in fold_results), 1),
        "fallback_thresholds": threshold_sweep(
            gold, predicted, out_of_scope, config_fallback_settings(config)
        ),
    }


# --- comparison and report ---------------------------------------------------------------------

# (key, label, higher is better)
FIGURES = [
    ("heldout_accuracy", "held-out intent accuracy", True),
    ("heldout_macro_f1", "held-out intent macro-F1", True),
    ("heldout_min_intent_f1", "held-out lowest intent F1", True),
    ("heldout_entity_f1", "held-out entity F1", True),
    ("heldout_in_scope_declined", "held-out in-scope messages declined by fallback", False),
    ("oos_declined_rate", "out-of-scope + nonsense declined", True),
    ("en_accuracy", "English held-out intent accuracy", True),
    ("en_macro_f1", "English held-out intent macro-F1", True),
    ("en_min_intent_f1", "English held-out lowest intent F1", True),
    ("cv_accuracy", "cross-validation intent accuracy", True),
    ("cv_macro_f1", "cross-validation intent macro-F1", True),
    ("cv_entity_f1", "cross-validation entity F1", True),
]


def figures_of(result: dict) -> dict:
    held = result["held_out"]
    figures = {
        "heldout_accuracy": held["intents"]["accuracy"],
        "heldout_macro_f1": held["intents"]["macro_f1"],
        "heldout_min_intent_f1": held["intents"]["min_intent_f1"],
        "heldout_entity_f1": held["entities"]["micro"]["f1"],
        "heldout_in_scope_declined": held["intents"]["in_scope_declined"],
        "oos_declined_rate": held["out_of_scope"]["all"]["rate"],
    }
    if result.get("held_out_en"):
        english = result["held_out_en"]["intents"]
        figures.update(
            {
                "en_accuracy": english["accuracy"],
                "en_macro_f1": english["macro_f1"],
                "en_min_intent_f1": english["min_intent_f1"],
            }
        )
    if result.get("cross_validation"):
        cv = result["cross_validation"]
        figures.update(
            {
                "cv_accuracy": cv["intents"]["accuracy"],
                "cv_macro_f1": cv["intents"]["macro_f1"],
                "cv_entity_f1": cv["entities"]["micro"]["f1"],
            }
        )
    return figures


def verdict(project: float, peer: float, higher_is_better: bool) -> str:
    if abs(project - peer) < 0.0005:
        return "tie"
    project_wins = (project > peer) == higher_is_better
    return f"{'project' if project_wins else 'peer'} better by {abs(project - peer):.3f}".rstrip("0").rstrip(
        "."
    )


def fmt(value: float) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def comparison(results: dict) -> list[dict]:
    rows = []
    project, peer = figures_of(results["project"]), figures_of(results["peer"]) if "peer" in results else {}
    for key, label, higher in FIGURES:
        if key not in project:
            continue
        row = {"figure": key, "label": label, "project": project[key]}
        if key in peer:
            row.update(peer=peer[key], verdict=verdict(project[key], peer[key], higher))
        rows.append(row)
    return rows


def targets(results: dict) -> list[dict]:
    held = results["project"]["held_out"]
    intents = held["intents"]
    rows = [
        {
            "target": "held-out intent accuracy >= 0.95",
            "value": intents["accuracy"],
            "met": intents["accuracy"] >= 0.95,
        },
        {
            "target": "held-out intent macro-F1 >= 0.95",
            "value": intents["macro_f1"],
            "met": intents["macro_f1"] >= 0.95,
        },
        {
            "target": "every intent's held-out F1 >= 0.90",
            "value": intents["min_intent_f1"],
            "met": intents["min_intent_f1"] >= 0.90,
            "detail": ", ".join(
                f"{name} {v['f1']:.2f}" for name, v in intents["per_intent"].items() if v["f1"] < 0.90
            ),
        },
        {
            "target": ">= 93% of out-of-scope and nonsense messages declined",
            "value": held["out_of_scope"]["all"]["rate"],
            "met": held["out_of_scope"]["all"]["rate"] >= 0.93,
        },
    ]
    english = (results["project"].get("held_out_en") or {}).get("intents")
    if english:
        rows.append(
            {
                "target": f"English held-out intent accuracy >= {ENGLISH_MIN_ACCURACY:.2f}",
                "value": english["accuracy"],
                "met": english["accuracy"] >= ENGLISH_MIN_ACCURACY,
                "detail": ", ".join(
                    f"{name} {v['f1']:.2f}" for name, v in english["per_intent"].items() if v["f1"] < 0.90
                ),
            }
        )
    cv_sweep = (results["project"].get("cross_validation") or {}).get("fallback_thresholds")
    if cv_sweep:
        configured = next(row for row in cv_sweep["rows"] if row["configured"])
        best = next(row for row in cv_sweep["rows"] if row["threshold"] == cv_sweep["best_threshold"])
        rows.append(
            {
                "target": "FallbackClassifier threshold within 0.5 points of the best on cross-validation",
                "value": cv_sweep["configured_threshold"],
                "met": configured["handled_right_rate"] >= best["handled_right_rate"] - 0.005,
                "detail": f"best {best['threshold']}: {best['handled_right_rate']:.1%} handled right, "
                f"configured {configured['handled_right_rate']:.1%}",
            }
        )
    if "peer" in results:
        peer_f1 = results["peer"]["held_out"]["intents"]["macro_f1"]
        rows.append(
            {
                "target": "held-out macro-F1 better than the peer's",
                "value": intents["macro_f1"],
                "met": intents["macro_f1"] > peer_f1,
                "detail": f"peer {peer_f1:.3f}",
            }
        )
        if results["project"].get("cross_validation") and results["peer"].get("cross_validation"):
            mine = results["project"]["cross_validation"]["intents"]["macro_f1"]
            theirs = results["peer"]["cross_validation"]["intents"]["macro_f1"]
            rows.append(
                {
                    "target": "cross-validation macro-F1 better than the peer's",
                    "value": mine,
                    "met": mine > theirs,
                    "detail": f"peer {theirs:.3f}",
                }
            )
    return rows


def print_summary(results: dict) -> None:
    rows = comparison(results)
    print("\n" + "=" * 100)
    print(f"NLU evaluation (spaCy base of the project: {results['spacy_base']})")
    print(f"{'figure':<50}{'project':>10}{'peer':>10}   verdict")
    for row in rows:
        print(
            f"{row['label']:<50}{fmt(row['project']):>10}{fmt(row.get('peer', '-')):>10}   "
            f"{row.get('verdict', '')}"
        )
    print("\nTargets for the project's config:")
    for row in results["targets"]:
        detail = f" ({row['detail']})" if row.get("detail") else ""
        print(f"  [{'met' if row['met'] else 'NOT met'}] {row['target']}: {fmt(row['value'])}{detail}")
    for key, title, shown in (("held_out", "held-out", 10), ("held_out_en", "English held-out", 5)):
        groups = confusions(((results["project"].get(key) or {}).get("intents") or {}).get("errors", []))
        if groups:
            print(f"\nMost frequent {title} confusions of the project (true -> predicted: messages):")
            for group in groups[:shown]:
                print(f"  {group['intent']} -> {group['predicted']}: {group['count']}")
    print("=" * 100 + "\n")


def plot(results: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import confusion_matrix

    systems = [s for s in SYSTEMS if s in results]
    labels = sorted(set(results["project"]["held_out"]["confusion"]["gold"]))
    fig, axes = plt.subplots(1, len(systems), figsize=(9 * len(systems), 8.5), squeeze=False)
    for ax, system in zip(axes[0], systems, strict=True):
        confusion = results[system]["held_out"]["confusion"]
        all_labels = labels + sorted(set(confusion["predicted"]) - set(labels))
        matrix = confusion_matrix(confusion["gold"], confusion["predicted"], labels=all_labels)[: len(labels)]
        ax.imshow(np.log1p(matrix), cmap="Blues")
        for i in range(matrix.shape[0]):
            for j in range(matrix.shape[1]):
                if matrix[i, j]:
                    ax.text(
                        j,
                        i,
                        matrix[i, j],
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if i == j else "crimson",
                    )
        ax.set_xticks(range(len(all_labels)), all_labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("predicted intent")
        ax.set_ylabel("true intent")
        intents = results[system]["held_out"]["intents"]
        ax.set_title(
            f"{system}: held-out accuracy {intents['accuracy']:.3f}, macro-F1 {intents['macro_f1']:.3f}"
        )
    fig.tight_layout()
    confusion_png = out / "eval_confusion.png"
    fig.savefig(confusion_png, dpi=110)
    plt.close(fig)

    panels = [("held_out", "held-out test set")]
    if all(results[s].get("held_out_en") for s in systems):
        panels.append(("held_out_en", "English held-out test set"))
    if all(results[s].get("cross_validation") for s in systems):
        panels.append(
            ("cross_validation", f"{results['project']['cross_validation']['folds']}-fold cross-validation")
        )
    fig, axes = plt.subplots(len(panels), 1, figsize=(13, 4.6 * len(panels)), squeeze=False)
    width = 0.8 / len(systems)
    for ax, (key, title) in zip(axes[:, 0], panels, strict=True):
        labels = sorted(results["project"][key]["intents"]["per_intent"])
        x = np.arange(len(labels))
        for k, system in enumerate(systems):
            per_intent = results[system][key]["intents"]["per_intent"]
            ax.bar(
                x + (k - (len(systems) - 1) / 2) * width,
                [per_intent[label]["f1"] for label in labels],
                width,
                label=f"{system} (macro-F1 {results[system][key]['intents']['macro_f1']:.3f})",
                color=["tab:blue", "tab:orange"][k],
            )
        ax.axhline(0.9, color="crimson", linestyle="--", linewidth=1, label="target 0.90")
        ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
        lowest = min(
            results[s][key]["intents"]["per_intent"][label]["f1"] for s in systems for label in labels
        )
        ax.set_ylim(min(0.5, int(lowest * 10) / 10), 1.02)
        ax.set_ylabel("F1")
        ax.set_title(f"F1 per intent, {title}")
        ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    bars_png = out / "eval_per_intent.png"
    fig.savefig(bars_png, dpi=110)
    plt.close(fig)
    return [confusion_png.name, bars_png.name, plot_thresholds(results, out, systems).name]


def plot_thresholds(results: dict, out: Path, systems: list[str]) -> Path:
    """One panel per system: what each FallbackClassifier threshold does on the cross-validation
    folds (solid, where the threshold is chosen) and on the held-out set (dashed, the check)."""
    import matplotlib.pyplot as plt

    curves = (
        ("out_of_scope_declined_rate", "out-of-scope declined", "tab:green"),
        ("in_scope_declined_rate", "in-scope declined", "tab:red"),
        ("answered_accuracy", "accuracy of answered", "tab:blue"),
        ("handled_right_rate", "handled right", "black"),
    )
    fig, axes = plt.subplots(1, len(systems), figsize=(7 * len(systems), 6), squeeze=False)
    for ax, system in zip(axes[0], systems, strict=True):
        for key, style in (("cross_validation", "-"), ("held_out", "--")):
            sweep = (results[system].get(key) or {}).get("fallback_thresholds")
            if not sweep:
                continue
            x = [row["threshold"] for row in sweep["rows"]]
            for field, label, colour in curves:
                ax.plot(
                    x,
                    [row[field] for row in sweep["rows"]],
                    style,
                    color=colour,
                    marker=".",
                    label=f"{label} ({'CV' if key == 'cross_validation' else 'held-out'})",
                )
            if key == "cross_validation":
                ax.axvline(sweep["best_threshold"], color="grey", linestyle=":", label="best on CV")
            ax.axvline(sweep["configured_threshold"], color="crimson", linewidth=0.8)
        ax.set_xlabel("FallbackClassifier threshold (red line: configured)")
        ax.set_ylabel("share")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{system}: fallback threshold")
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3)
    fig.tight_layout()
    path = out / "eval_thresholds.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def markdown(results: dict, images: list[str]) -> str:
    systems = [s for s in SYSTEMS if s in results]
    lines = [
        "# NLU evaluation: project vs peer",
        "",
        f"Written by `make eval` (`{results['command']}`) on {results['finished_at']}. "
        f"Rasa {results['rasa_version']}, Python {results['python']}, {results['cpus']} CPUs, "
        f"load average {results['load_average'][0]:.1f} at the start (other work was running on the "
        "machine).",
        "",
        f"- **project**: `config.yml`, model `models/klantenservice.tar.gz`; Dutch spaCy base: "
        f"**{results['spacy_base']}** (`build/spacy-nl/meta.json`, `klantenservice_base`).",
        "- **peer**: `benchmarks/peer_config.yml`, what `rasa init` gives (WhitespaceTokenizer, "
        "CountVectors, "
        "DIET 100 epochs, ResponseSelector, FallbackClassifier 0.3; Memoization, Rule, UnexpecTED, TED), "
        "`language: nl`, trained on the same data and domain into `models/peer.tar.gz`.",
        f"- Held-out: `tests/nlu_test.yml` ({results['project']['held_out']['intents']['examples']} "
        "messages; "
        f"{len(results['left_out']['held_out'])} more that are also training examples are left out, and "
        f"{len(results['left_out']['out_of_scope'])} such out-of-scope messages; listed in `eval.json`). "
        "The English held-out set (`tests/nlu_test_en.yml`) has a section of its own. "
        "Intent figures use the classifier's top intent, as `rasa test nlu` does (the FallbackClassifier's "
        "`nlu_fallback` undone); macro-F1 is the mean F1 over the intents of the test set. Entity F1 is "
        "strict: "
        "same start, end and type (the project's entities come from the spaCy entity ruler, which "
        "`rasa test nlu` leaves out of its entity report, so this script counts them itself).",
        f"- Out of scope: `benchmarks/out_of_scope.yml`, "
        f"{results['project']['held_out']['out_of_scope']['all']['messages']} messages not in the training "
        "or test data; declined = `out_of_scope` or `nlu_fallback` (the assistant says it cannot help or "
        "did not understand), anything else is wrongly answered.",
    ]
    if results["project"].get("cross_validation"):
        cv = results["project"]["cross_validation"]
        done = cv.get("folds_done", list(range(1, cv["folds"] + 1)))
        lines.append(
            f"- Cross-validation: {cv['folds']} stratified folds of the NLU data in `data/` (seed "
            f"{cv['seed']}), "
            "the same folds for both configs; figures pooled over the folds' test parts"
            + (
                "."
                if len(done) == cv["folds"]
                else f" of the folds done so far: {', '.join(map(str, done))} of {cv['folds']} "
                "(**incomplete**)."
            )
        )
    lines += ["", "## Side by side", "", "| figure | project | peer | verdict |", "|---|---:|---:|---|"]
    for row in comparison(results):
        lines.append(
            f"| {row['label']} | {fmt(row['project'])} | {fmt(row.get('peer', '-'))} | "
            f"{row.get('verdict', '')} |"
        )
    lines += ["", "## Targets (project's config)", "", "| target | value | met |", "|---|---:|---|"]
    for row in results["targets"]:
        detail = f" ({row['detail']})" if row.get("detail") else ""
        lines.append(
            f"| {row['target']} | {fmt(row['value'])}{detail} | {'yes' if row['met'] else '**no**'} |"
        )
    if "peer" in results:
        mine = results["project"]["held_out"]["intents"]["macro_f1"]
        theirs = results["peer"]["held_out"]["intents"]["macro_f1"]
        lines += [
            "",
            "**Verdict:** "
            + (
                f"the project's spaCy pipeline wins on held-out macro-F1 ({mine:.3f} vs {theirs:.3f}); "
                "keep it."
                if mine > theirs
                else f"the project's spaCy pipeline LOSES to the peer on held-out macro-F1 ({mine:.3f} "
                f"vs {theirs:.3f}): "
                "the peer's pipeline is what wins on these figures."
            ),
        ]

    lines += ["", "## Per intent (F1)", ""]
    header = "| intent | support |" + "".join(f" {s} held-out |" for s in systems)
    cv_systems = [s for s in systems if results[s].get("cross_validation")]
    header += "".join(f" {s} CV |" for s in cv_systems)
    lines += [header, "|---|---:|" + "---:|" * (len(systems) + len(cv_systems))]
    for label, values in results["project"]["held_out"]["intents"]["per_intent"].items():
        intent_row = f"| {label} | {values['support']} |"
        for s in systems:
            f1 = results[s]["held_out"]["intents"]["per_intent"][label]["f1"]
            intent_row += f" {'**' if f1 < 0.9 else ''}{f1:.3f}{'**' if f1 < 0.9 else ''} |"
        for s in cv_systems:
            intent_row += f" {results[s]['cross_validation']['intents']['per_intent'][label]['f1']:.3f} |"
        lines.append(intent_row)

    lines += [
        "",
        "## Entities (held-out, strict span match)",
        "",
        "| entity | support |" + "".join(f" {s} P / R / F1 |" for s in systems),
        "|---|---:|" + "---|" * len(systems),
    ]
    names = sorted(set().union(*(results[s]["held_out"]["entities"]["per_entity"] for s in systems)))
    for name in names + ["micro"]:
        cells, support = [], 0
        for s in systems:
            entities = results[s]["held_out"]["entities"]
            v = entities["micro"] if name == "micro" else entities["per_entity"].get(name)
            if v is None:
                cells.append(" - |")
                continue
            support = max(support, v["support"])
            cells.append(f" {v['precision']:.2f} / {v['recall']:.2f} / {v['f1']:.3f} |")
        lines.append(f"| {'**all**' if name == 'micro' else name} | {support} |" + "".join(cells))

    lines += [
        "",
        "## Out-of-scope and nonsense messages",
        "",
        "| system | kind | messages | declined | wrongly answered |",
        "|---|---|---:|---:|---|",
    ]
    for s in systems:
        oos = results[s]["held_out"]["out_of_scope"]
        for kind in ("out_of_scope", "nonsense"):
            wrong = ", ".join(f'"{w["text"]}" → {w["answered_as"]}' for w in oos[kind]["wrongly_answered"])
            lines.append(
                f"| {s} | {kind} | {oos[kind]['messages']} | {oos[kind]['declined']} | {wrong or '-'} |"
            )
        lines.append(
            f"| {s} | **all** | {oos['all']['messages']} | {oos['all']['declined']} "
            f"({oos['all']['rate']:.0%}) | |"
        )

    lines += english_markdown(results, systems)
    lines += threshold_markdown(results, systems)
    lines += errors_markdown(results, systems)
    lines += errors_markdown(results, systems, "held_out_en", "English held-out")
    if cv_systems:
        lines += [
            "## Cross-validation per fold",
            "",
            "| system | fold | accuracy | macro-F1 | time (train + test) |",
            "|---|---:|---:|---:|---:|",
        ]
        for s in cv_systems:
            cv = results[s]["cross_validation"]
            for i, fold in enumerate(cv["per_fold"], start=1):
                lines.append(
                    f"| {s} | {fold.get('fold', i)} | {fold['accuracy']:.3f} | {fold['macro_f1']:.3f} | "
                    f"{fold['seconds']:.0f} s |"
                )
            lines.append(
                f"| {s} | mean ± sd | {cv['accuracy_mean']:.3f} ± {cv['accuracy_std']:.3f} | "
                f"{cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f} | "
                f"{cv['training_seconds'] / 60:.1f} min |"
            )

    lines += ["", "## Time", ""]
    timing = results["timing"]
    peer = results.get("peer_training") or {}
    if peer.get("training_seconds"):
        lines.append(
            "- Training the peer model (`rasa train`, NLU and dialogue): "
            f"{peer['training_seconds'] / 60:.1f} min "
            f"(on {peer.get('trained_at', '?')}; reused while its inputs are unchanged)."
        )
    for s in cv_systems:
        lines.append(
            f"- Cross-validation, {s}: {results[s]['cross_validation']['training_seconds'] / 60:.1f} min "
            f"for {results[s]['cross_validation']['folds']} folds (time when the folds were computed; "
            "cached in `var/eval-cache/`)."
        )
    lines.append(f"- This run: {timing['total_seconds'] / 60:.1f} min in total.")
    lines += ["", "## Plots", ""] + [f"![{name}]({name})" for name in images] + [""]
    return "\n".join(lines)


def english_markdown(results: dict, systems: list[str]) -> list[str]:
    """The English held-out set: accuracy, macro-F1 and F1 per intent of each system."""
    systems = [s for s in systems if results[s].get("held_out_en")]
    if not systems:
        return []
    english = results["project"]["held_out_en"]["intents"]
    lines = [
        "",
        "## English held-out set",
        "",
        f"`tests/nlu_test_en.yml`: {english['examples']} messages of English-speaking customers "
        f"({len(results['left_out'].get('held_out_en', []))} more that are also training examples are left "
        "out), parsed by the same model as the Dutch set. Intent figures as above (top intent, fallback "
        f"undone); `make test` asks an accuracy of at least {ENGLISH_MIN_ACCURACY:.2f}.",
        "",
        "| system | accuracy | macro-F1 | lowest intent F1 | in-scope declined by fallback |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in systems:
        v = results[s]["held_out_en"]["intents"]
        lines.append(
            f"| {s} | {v['accuracy']:.3f} | {v['macro_f1']:.3f} | {v['min_intent_f1']:.3f} | "
            f"{v['in_scope_declined']} of {v['in_scope_examples']} |"
        )
    lines += [
        "",
        "| intent | support |" + "".join(f" {s} F1 |" for s in systems),
        "|---|---:|" + "---:|" * len(systems),
    ]
    for label, values in english["per_intent"].items():
        row = f"| {label} | {values['support']} |"
        for s in systems:
            f1 = results[s]["held_out_en"]["intents"]["per_intent"][label]["f1"]
            row += f" {'**' if f1 < 0.9 else ''}{f1:.3f}{'**' if f1 < 0.9 else ''} |"
        lines.append(row)
    return lines


def threshold_markdown(results: dict, systems: list[str]) -> list[str]:
    """The threshold evidence: chosen on the cross-validation folds, checked on the held-out set."""
    lines = [
        "",
        "## FallbackClassifier threshold",
        "",
        "What each threshold would do, the ambiguity threshold kept as configured: out-of-scope messages "
        'declined, in-scope messages declined (the customer hears "I did not understand"), the accuracy '
        "of the in-scope messages it lets through, and the share handled right (in-scope answered with "
        "the right intent, out-of-scope declined). The threshold is chosen on the cross-validation "
        "folds (the training data's `out_of_scope` examples stand for the out-of-scope messages); the "
        "held-out set and `benchmarks/out_of_scope.yml` only check the choice.",
        "",
    ]
    for key, title in (("cross_validation", "cross-validation (choice)"), ("held_out", "held-out (check)")):
        for s in systems:
            sweep = (results[s].get(key) or {}).get("fallback_thresholds")
            if not sweep:
                continue
            lines += [
                f"**{s}, {title}** (ambiguity threshold {sweep['ambiguity_threshold']}; "
                f"{sweep['out_of_scope_messages']} out-of-scope messages; best threshold "
                f"{sweep['best_threshold']}, configured {sweep['configured_threshold']}):",
                "",
                "| threshold | out-of-scope declined | in-scope declined | accuracy of answered | "
                "handled right |",
                "|---:|---:|---:|---:|---:|",
            ]
            for row in sweep["rows"]:
                mark = " (configured)" if row["configured"] else ""
                mark += " (best)" if row["threshold"] == sweep["best_threshold"] else ""
                lines.append(
                    f"| {row['threshold']}{mark} | {row['out_of_scope_declined_rate']:.1%} | "
                    f"{row['in_scope_declined']} of {row['in_scope_messages']} "
                    f"({row['in_scope_declined_rate']:.1%}) | {row['answered_accuracy']:.3f} | "
                    f"{row['handled_right_rate']:.1%} |"
                )
            lines.append("")
    return lines


def errors_markdown(
    results: dict, systems: list[str], key: str = "held_out", title: str = "Held-out"
) -> list[str]:
    """Which held-out messages still fail, grouped by confusion, and which the fallback declines."""
    lines = ["", f"## {title} messages that still fail", ""]
    for s in systems:
        if not results[s].get(key):
            continue
        intents = results[s][key]["intents"]
        groups = confusions(intents["errors"])
        lines += [
            f"**{s}**: {len(intents['errors'])} of {intents['examples']} messages get the wrong intent, "
            f"in {len(groups)} confusions.",
            "",
            "| true intent | predicted | messages | texts (top confidence) |",
            "|---|---|---:|---|",
        ]
        confidence = {(e["text"], e["intent"]): e["confidence"] for e in intents["errors"]}
        for group in groups:
            texts = "; ".join(
                f'"{text}" ({confidence[(text, group["intent"])]:.2f})' for text in group["texts"]
            )
            lines.append(f"| {group['intent']} | {group['predicted']} | {group['count']} | {texts} |")
        declined = intents.get("in_scope_declined_messages", [])
        lines += [
            "",
            f"In-scope messages the fallback declines ({len(declined)}): "
            + ("; ".join(f'"{text}"' for text in declined) or "none"),
            "",
        ]
    return lines


def spacy_base() -> str:
    try:
        meta = json.loads((SPACY_DIR / "meta.json").read_text(encoding="utf-8"))
    except OSError:
        return "missing (build/spacy-nl not built)"
    return meta.get("klantenservice_base", "unknown")


async def main_async(args: argparse.Namespace) -> dict:
    import yaml
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    results: dict[str, Any] = {
        "command": " ".join(["python -m scripts.evaluate", *sys.argv[1:]]),
        "rasa_version": metadata.version("rasa"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "spacy_base": spacy_base(),
        "timing": {},
    }
    log(f"Dutch spaCy base of the project: {results['spacy_base']}")
    systems = {"project": (args.project_config, args.project_model)}
    if not args.no_peer:
        started = time.monotonic()
        if args.peer_model:
            systems["peer"] = (args.peer_config, args.peer_model)
        else:
            systems["peer"] = (args.peer_config, ensure_peer_model(dict(os.environ), log=log))
            results["peer_training"] = peer_record()
        results["timing"]["peer_model_seconds"] = round(time.monotonic() - started, 1)
    if not args.project_model.exists():
        sys.exit(f"{args.project_model} is missing: run `make train` first")

    seen = training_texts()
    test_examples, oos, results["left_out"] = unseen_only(
        load_data(str(TEST_DATA)).intent_examples,
        yaml.safe_load(OUT_OF_SCOPE.read_text(encoding="utf-8")),
        seen,
    )
    english, _, english_left_out = unseen_only(load_data(str(TEST_DATA_EN)).intent_examples, {}, seen)
    results["left_out"]["held_out_en"] = english_left_out["held_out"]
    if any(results["left_out"].values()):
        log(
            f"Left out because they are also training examples: {len(results['left_out']['held_out'])} "
            f"held-out, {len(results['left_out']['held_out_en'])} English held-out "
            f"and {len(results['left_out']['out_of_scope'])} out-of-scope messages (listed in eval.json)"
        )
    for system, (config, model) in systems.items():
        started = time.monotonic()
        log(f"{system}: loading {rel(model)}")
        processor = load_processor(model)
        results[system] = {
            "config": rel(config),
            "model": rel(model),
            "held_out": await held_out(system, processor, model, test_examples, oos),
            "held_out_en": await held_out_english(system, processor, english),
        }
        del processor
        results["timing"][f"{system}_held_out_seconds"] = round(time.monotonic() - started, 1)

    if args.folds > 1:
        training_data = TrainingData().merge(*(load_data(str(path)) for path in nlu_files(TRAIN_DATA)))
        os.environ["RASA_MAX_CACHE_SIZE"] = "0"  # fold models stay out of Rasa's training cache
        for system, (config, _model) in systems.items():
            log(f"{system}: {args.folds}-fold cross-validation with {rel(config)}")
            started = time.monotonic()
            results[system]["cross_validation"] = await cross_validation(
                system,
                config,
                training_data,
                args.folds,
                args.seed,
                set(args.cv_folds) if args.cv_folds else None,
            )
            results["timing"][f"{system}_cross_validation_seconds"] = round(time.monotonic() - started, 1)
    results["targets"] = targets(results)
    results["comparison"] = comparison(results)
    results["timing"]["total_seconds"] = round(time.monotonic() - STARTED, 1)
    results["finished_at"] = time.strftime("%Y-%m-%d %H:%M")
    return results


def _stopped(signum: int, _frame: Any) -> None:
    """Says where a stopped run left off, then dies of the signal (an exception raised here could
    land in a TensorFlow or JAX callback, which ignores it)."""
    log(
        f"stopped by signal {signum}: the finished cross-validation folds are in {rel(CACHE_DIR)}/, "
        "the next run goes on from there"
    )
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--folds", type=int, default=5, help="cross-validation folds (0: no cross-validation)"
    )
    parser.add_argument("--seed", type=int, default=42, help="seed of the stratified folds")
    parser.add_argument(
        "--cv-folds",
        type=lambda text: [int(part) for part in text.split(",")],
        default=None,
        help="compute only these folds now, e.g. 1,2 (the rest come from var/eval-cache/ when there; "
        "the figures are pooled over the folds that are done)",
    )
    parser.add_argument("--no-peer", action="store_true", help="the project's config only")
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="where the report and plots go")
    experiments = parser.add_argument_group("experiments (a candidate config against the same figures)")
    experiments.add_argument("--project-config", type=Path, default=PROJECT_CONFIG)
    experiments.add_argument("--project-model", type=Path, default=PROJECT_MODEL)
    experiments.add_argument("--peer-config", type=Path, default=PEER_CONFIG)
    experiments.add_argument(
        "--peer-model",
        type=Path,
        default=None,
        help="instead of models/peer.tar.gz (trained when its inputs changed)",
    )
    args = parser.parse_args()
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)

    signal.signal(signal.SIGTERM, _stopped)
    results = asyncio.run(main_async(args))
    args.out.mkdir(parents=True, exist_ok=True)
    images = plot(results, args.out)
    for system in SYSTEMS:
        for key in ("held_out", "held_out_en"):
            results.get(system, {}).get(key, {}).pop("confusion", None)
    (args.out / "eval.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (args.out / "eval.md").write_text(markdown(results, images), encoding="utf-8")
    print_summary(results)
    log(
        f"Report: {args.out / 'eval.md'}; figures: {args.out / 'eval.json'}; plots: "
        + ", ".join(str(args.out / name) for name in images)
    )


if __name__ == "__main__":
    main()
