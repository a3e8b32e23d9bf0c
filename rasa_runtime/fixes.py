"""Patches of Rasa 3.6.21 inside the Rasa server, applied once by `install()`.

Correctness patches are always applied: a Dutch apology when the action server fails, a refused
message when the conversation store fails, and masked logs. Speed patches give Rasa's own answers
faster; KLANTENSERVICE_SPEED_PATCHES=off leaves Rasa's code in place (to compare, or to rule them out
when something looks wrong). Every replacement goes through `rasa_runtime.fence`, which refuses to
patch any other Rasa release.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from typing import Any

from rasa.shared.exceptions import RasaException

from rasa_runtime import fence

logger = logging.getLogger(__name__)

SPEED_PATCHES = "KLANTENSERVICE_SPEED_PATCHES"
# At most this many messages in Rasa's processing at once (KLANTENSERVICE_MESSAGES_IN_PROCESS; 0: no
# limit). make bench, 50 customers: p99 2.5-2.9 s without a limit; with the other fixes here 1.39 s
# with 16, 1.16 s with 8, 1.19 s with 4 (at 4% less throughput than 8).
MESSAGES_IN_PROCESS = 8
# Seconds Rasa waits for the action server (KLANTENSERVICE_ACTION_TIMEOUT); Rasa's own is 5 minutes.
ACTION_TIMEOUT = 4.0
RETRY_AFTER = 3.0
ACTION_SERVER_DOWN_RESPONSE = "utter_storing"
APOLOGY_MARK = "klantenservice_storing"  # metadata of the apology, so a turn says it once
ACTION_SERVER_DOWN_TEXT = (
    "Sorry, er gaat aan onze kant even iets mis, waardoor ik je vraag nu niet "
    "kan afmaken. Probeer het over een paar minuten nog eens."
)

_installed = False
_refused: fence.FenceError | None = None
_installing = threading.Lock()


def speed_patches_on() -> bool:
    """False when KLANTENSERVICE_SPEED_PATCHES is off (or 0, false, no); on by default."""
    return os.environ.get(SPEED_PATCHES, "on").strip().lower() not in ("off", "0", "false", "no")


def install() -> None:
    """Applies every patch once per process; later calls do nothing, or refuse again as the first did."""
    global _installed, _refused
    with _installing:
        if _refused is not None:
            raise _refused
        if _installed:
            return
        try:
            _apply_all()
        except fence.FenceError as refused:
            _refused = refused
            raise
        _installed = True


def _apply_all() -> None:
    from bot import log_privacy

    log_privacy.install()  # the server's debug log repeats customer messages
    _answer_when_the_action_server_fails(
        float(os.environ.get("KLANTENSERVICE_ACTION_TIMEOUT", "") or ACTION_TIMEOUT)
    )
    _refuse_messages_when_the_conversation_store_fails()
    _take_the_action_server_url_from_the_environment()
    if speed_patches_on():
        _validate_action_results_with_a_compiled_validator()
        _resolve_event_types_from_a_table()
        _combine_sparse_features_at_once()
        _match_rules_only_as_far_back_as_they_reach()
        _run_graphs_in_order()
        limit = int(os.environ.get("KLANTENSERVICE_MESSAGES_IN_PROCESS", "") or MESSAGES_IN_PROCESS)
        if limit > 0:
            _limit_messages_in_process(limit)
    else:
        logger.info("Rasa's own code runs without the speed patches (%s=off)", SPEED_PATCHES)


apply = install


def _validate_action_results_with_a_compiled_validator() -> None:
    """`RemoteAction._validate_action_result`, with the schema checked once instead of every call.

    Rasa's version calls `jsonschema.validate(result, schema)`, which checks `schema` itself against
    the meta-schema before it checks `result`; with Rasa's event schema and jsonschema 4.17 that
    takes about 20 ms of CPU per call. The answer and the error are the same.

    Speed. Replaces Rasa's `RemoteAction._validate_action_result`; compared in
    tests/unit/test_rasa_runtime.py::test_action_server_answers_are_still_validated.
    """
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
            return True
        except ValidationError as e:
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise e

    fence.replace(RemoteAction, "_validate_action_result", _validate_action_result)


def _resolve_event_types_from_a_table() -> None:
    """`Event.resolve_by_type`, answered from a table of the event types already resolved.

    Rasa walks the whole tree of event classes for every stored event it reads back, about 400
    class-tree walks per message here (the tracker is read from the store each turn). The first
    walk for a type name is kept; the answer is the same class.

    Speed. Replaces Rasa's `Event.resolve_by_type`; compared in
    tests/unit/test_rasa_runtime.py::test_event_types_come_from_a_table_with_rasas_answers.
    """
    from rasa.shared.core.events import Event

    resolve = fence.check(Event, "resolve_by_type")
    resolved: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        found = resolved.get(type_name)
        if found is None:
            found = resolve(type_name, default)
            if found is not None and found is not default:
                resolved[type_name] = found
        return found

    fence.replace(Event, "resolve_by_type", staticmethod(resolve_by_type))


def _combine_sparse_features_at_once() -> None:
    """`Message._combine_features` with one `hstack` of all sparse featurizers' matrices.

    Rasa joins them pairwise, copying the growing matrix once per featurizer (six joins per message
    with this pipeline); one join gives the same matrix in the same column order.

    Speed. Replaces Rasa's `Message._combine_features`; compared in
    tests/unit/test_rasa_runtime.py::test_sparse_features_are_combined_into_rasas_matrix.
    """
    import copy

    import scipy.sparse
    from rasa.shared.nlu.training_data.message import Message

    combine = fence.check(Message, "_combine_features")

    def _combine_features(features: list, featurizers: list[str]) -> Any:
        if len(features) < 2 or not all(feature.is_sparse() for feature in features):
            return combine(features, featurizers)
        rows = {feature.features.shape[0] for feature in features}
        if len(rows) > 1:
            return combine(features, featurizers)  # Rasa's own error message
        combined = copy.copy(features[0])
        combined.features = scipy.sparse.hstack([feature.features for feature in features])
        combined.origin = featurizers
        combined._cached_fingerprint = None
        return combined

    fence.replace(Message, "_combine_features", staticmethod(_combine_features))


def _match_rules_only_as_far_back_as_they_reach() -> None:
    """`RulePolicy._get_possible_keys`, which stops going back in the conversation where no
    remaining rule reaches.

    Rasa compares every rule with every earlier state of the conversation, back to its start; a
    rule of n states is applicable to any state further back than n, so the comparisons beyond the
    longest remaining rule change nothing. The set of applicable rules is the same.

    Speed. Replaces Rasa's `RulePolicy._get_possible_keys`; compared in
    tests/unit/test_rasa_runtime.py::test_rules_are_matched_as_rasa_matches_them_without_the_far_past.
    """
    import functools
    import json

    from rasa.core.policies.rule_policy import RulePolicy

    @functools.lru_cache(maxsize=4096)
    def rule_length(rule_key: str) -> int:
        return len(json.loads(rule_key))

    def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list) -> set[str]:
        possible_keys = set(lookup.keys())
        for turn_index, state in enumerate(reversed(states)):
            if not possible_keys or turn_index >= max(map(rule_length, possible_keys)):
                break
            possible_keys = {key for key in possible_keys if self._is_rule_applicable(key, turn_index, state)}
        return possible_keys

    fence.replace(RulePolicy, "_get_possible_keys", _get_possible_keys)


def _run_graphs_in_order() -> None:
    """`DaskGraphRunner.run` with dask's plain in-order evaluator and each target's graph built once.

    Rasa runs the NLU graph once and the policy graph two or three times per message, each time
    working out the part of the graph the targets need, building it again and handing it to
    dask's local scheduler, whose queues and callbacks are meant for parallel work. The same graph
    evaluated in order by `dask.core.get` gives the same results.

    Speed. Replaces Rasa's `DaskGraphRunner.run`; compared in
    tests/integration/test_rasa_runtime_model.py::test_graphs_run_in_order_give_what_dasks_scheduler_gives.
    """
    import dask.core
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    def run(self: DaskGraphRunner, inputs: dict | None = None, targets: list[str] | None = None) -> dict:
        run_targets = targets if targets else self._graph_schema.target_names
        built = self.__dict__.setdefault("_graphs_by_targets", {})
        graph = built.get(tuple(run_targets))
        if graph is None:
            graph = built[tuple(run_targets)] = self._build_dask_graph(
                self._graph_schema.minimal_graph_schema(run_targets)
            )
        run_graph = dict(graph)
        if inputs:
            self._add_inputs_to_graph(inputs, run_graph)
        try:
            return dict(dask.core.get(run_graph, run_targets))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e

    fence.replace(DaskGraphRunner, "run", run)


def _limit_messages_in_process(limit: int) -> None:
    """At most `limit` messages in Rasa's processing at once; the others wait in arrival order.

    Processing a message is mostly CPU work on the server's one event loop, with waits for the
    action server in between. Without a limit every waiting message queues again behind all the
    others each time it resumes, so with 50 customers at once a turn with two custom actions waits
    for three rounds of the whole queue: the slowest turns take seconds. A few messages at a time
    keep the CPU busy during those waits and serve the rest first come, first served.

    Speed (of the slowest turns). Wraps Rasa's `MessageProcessor.handle_message`, which it still calls;
    tests/unit/test_rasa_runtime.py::test_messages_beyond_the_limit_wait_their_turn.
    """
    import asyncio

    from rasa.core.processor import MessageProcessor

    handle_message = fence.check(MessageProcessor, "handle_message")
    semaphores: dict[Any, asyncio.Semaphore] = {}

    async def limited_handle_message(self: MessageProcessor, message: Any) -> Any:
        loop = asyncio.get_running_loop()
        semaphore = semaphores.get(loop)
        if semaphore is None:
            semaphore = semaphores[loop] = asyncio.Semaphore(limit)
        async with semaphore:
            return await handle_message(self, message)

    fence.replace(MessageProcessor, "handle_message", limited_handle_message)


def _answer_when_the_action_server_fails(timeout: float) -> None:
    """A custom action whose server is down or slower than `timeout` seconds says so in Dutch.

    Rasa would wait up to 5 minutes and then log the error, leaving the customer without any answer.
    The session start, a custom action here, falls back to Rasa's own so that a new session still
    begins. After a failure the action server is not asked again for the same conversation for
    RETRY_AFTER seconds from that failure, so one message never waits for several timeouts (a new
    session's start and then the answer); a form's several actions for one message apologise once.
    The conversation goes on normally once the action server is back.

    Correctness. Replaces Rasa's `RemoteAction.run` (which it calls while the action server answers) and
    `action.DEFAULT_REQUEST_TIMEOUT` (300 s); tests/e2e/test_faults.py compares the answers with the
    action server stopped and hanging; tests/integration/test_rasa_runtime_install.py starts it with Rasa's
    own tracker store.
    """
    from rasa.core.actions import action as rasa_action
    from rasa.shared.core.events import BotUttered

    from bot import clock
    from bot.facts import response_facts

    fence.replace(rasa_action, "DEFAULT_REQUEST_TIMEOUT", timeout)
    run_remote = fence.check(rasa_action.RemoteAction, "run")
    failed_at: dict[str, float] = {}  # conversation -> when the action server last failed it

    async def run_or_apologise(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list:
        try:
            if time.monotonic() - failed_at.get(tracker.sender_id, float("-inf")) < RETRY_AFTER:
                raise _FailedMomentsAgo("the action server failed moments ago")
            return await run_remote(self, output_channel, nlg, tracker, domain)
        except rasa_action.ActionExecutionRejection:
            raise
        except (RasaException, asyncio.TimeoutError) as error:
            now = time.monotonic()
            for sender_id in [key for key, moment in failed_at.items() if now - moment >= RETRY_AFTER]:
                del failed_at[sender_id]
            if not isinstance(error, _FailedMomentsAgo):  # the window runs from the real failure
                failed_at[tracker.sender_id] = now
            logger.error(
                "Action server failed for %s (%s): answering that something went wrong",
                self.name(),
                error or type(error).__name__,
            )
            if self.name() == rasa_action.ACTION_SESSION_START_NAME:
                return await rasa_action.ActionSessionStart().run(output_channel, nlg, tracker, domain)
            if _apologised_since_the_message(tracker):
                return []  # a form runs several actions for one message: one apology is enough
            # The facts passed along, so that the phone number is filled in whatever generator runs.
            facts = response_facts(clock.now(), tracker.get_slot("taal"))
            message = await nlg.generate(ACTION_SERVER_DOWN_RESPONSE, tracker, output_channel.name(), **facts)
            text = (message or {}).get("text") or ACTION_SERVER_DOWN_TEXT
            return [BotUttered(text, metadata={APOLOGY_MARK: True})]

    fence.replace(rasa_action.RemoteAction, "run", run_or_apologise)


class _FailedMomentsAgo(RasaException):
    """The action server is not asked: it failed for this conversation less than RETRY_AFTER ago."""


def _apologised_since_the_message(tracker: Any) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.metadata.get(APOLOGY_MARK):
            return True
    return False


def _take_the_action_server_url_from_the_environment() -> None:
    """Every Agent takes the action server's URL from ACTION_ENDPOINT_URL when that is set, and
    sends the shared secret the action server checks (ACTION_SERVER_SECRET or var/action_server_secret).

    endpoints.yml names the default URL and no secret, so that Rasa's own commands work from the
    project root without any variable; Rasa cannot give a `${...}` a default. Rasa creates the
    tracker store and the lock store (which install this) before the Agent.

    Correctness. Wraps Rasa's `Agent.__init__`, which keeps `endpoints.action` as it is;
    tests/integration/test_rasa_runtime_install.py::test_the_action_server_url_comes_from_the_environment,
    tests/e2e/test_action_server_secret.py.
    """
    from rasa.core.agent import Agent

    from rasa_runtime.action_endpoint import from_environment

    create = fence.check(Agent, "__init__")

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        create(self, *args, **kwargs)
        self.action_endpoint = from_environment(self.action_endpoint)

    fence.replace(Agent, "__init__", __init__)


def _refuse_messages_when_the_conversation_store_fails() -> None:
    """Errors of the conversation store reach the channel, which refuses the message clearly.

    Rasa's FailSafeTrackerStore would answer from an empty in-memory conversation instead and keep
    what follows in memory only: an answer out of context, and turns lost at the next restart.

    Correctness. Replaces Rasa's `FailSafeTrackerStore.retrieve`, `retrieve_full_tracker` and `save`,
    which catch every error; tests/e2e/test_scale_out.py::
    test_a_database_outage_is_refused_clearly_and_loses_nothing_acknowledged stops the database.
    """
    from rasa.core.tracker_store import FailSafeTrackerStore

    async def retrieve(self: Any, sender_id: str) -> Any:
        return await self._tracker_store.retrieve(sender_id)

    async def retrieve_full_tracker(self: Any, sender_id: str) -> Any:
        return await self._tracker_store.retrieve_full_tracker(sender_id)

    async def save(self: Any, tracker: Any) -> None:
        await self._tracker_store.save(tracker)

    fence.replace(FailSafeTrackerStore, "retrieve", retrieve)
    fence.replace(FailSafeTrackerStore, "retrieve_full_tracker", retrieve_full_tracker)
    fence.replace(FailSafeTrackerStore, "save", save)
