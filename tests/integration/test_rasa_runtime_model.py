"""The trained model (make train) run by rasa_runtime's graph runner gives what Rasa's dask scheduler
gives."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.events import UserUttered

from rasa_runtime import fixes


def test_graphs_run_in_order_give_what_dasks_scheduler_gives():
    import os
    from pathlib import Path

    import dask
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.trackers import DialogueStateTracker

    model = Path(
        os.environ.get("MODEL_PATH", Path(__file__).resolve().parents[2] / "models" / "klantenservice.tar.gz")
    )
    if not model.exists():
        pytest.skip("no trained model: make train")
    fixes.apply()
    processor = asyncio.run(load_agent(model_path=str(model))).processor
    runner, metadata = processor.graph_runner, processor.model_metadata

    def scheduled(inputs: dict, targets: list) -> dict:  # Rasa's DaskGraphRunner.run, written out
        graph = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(targets))
        runner._add_inputs_to_graph(inputs, graph)
        return dict(dask.get(graph, targets))

    tracker = DialogueStateTracker.from_events("klant-4", [UserUttered("ik wil iets terugsturen")])

    def parsed(message) -> dict:
        data = message.as_dict()
        data["text_spacy_doc"] = str(data["text_spacy_doc"])
        return data

    for text in ["ik wil iets terugsturen naar zalando", "zijn jullie zaterdag open?", "asdfgh"]:
        nlu = [metadata.nlu_target]
        inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text, message_id="m1")], PLACEHOLDER_TRACKER: tracker}
        ours = parsed(runner.run(inputs=inputs, targets=nlu)[metadata.nlu_target][0])
        inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text, message_id="m1")], PLACEHOLDER_TRACKER: tracker}
        assert ours == parsed(scheduled(inputs, nlu)[metadata.nlu_target][0])
        assert ours["intent"]["name"] and ours["intent_ranking"]
        for _ in range(2):  # the second run uses the graph built by the first
            core = [metadata.core_target]
            prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=core)[metadata.core_target]
            expected = scheduled({PLACEHOLDER_TRACKER: tracker}, core)[metadata.core_target]
            assert (prediction.policy_name, prediction.probabilities) == (
                expected.policy_name,
                expected.probabilities,
            )
