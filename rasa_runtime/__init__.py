"""The assistant's additions to the Rasa server process (Rasa imports live here, not in `bot/`).

`install()` applies the project's patches of Rasa (`rasa_runtime.fixes`, each through
`rasa_runtime.fence`) once per process. Rasa 3.6 runs project code in its server only through the
classes that endpoints.yml and credentials.yml name, so each of them calls `install()` when it is
constructed: the tracker store (`rasa_runtime.tracker_store.SQLTrackerStore`), the lock store
(`rasa_runtime.lock_store.LockStoreFromUrl` and the classes it returns) and the input channels
(`channels.rest.RestInput`, `channels.socketio.SocketIOInput`). `rasa run` and `rasa interactive`
create all of them, `rasa shell` the tracker and lock stores (its channel is Rasa's cmdline), so
naming one of Rasa's own classes in either file keeps the patches in place. `rasa test` loads only
the model (no endpoints, no channels, no action server) and runs Rasa's code unchanged.

What they save per message, measured with `make bench` (see results/bench.md):
- Rasa checks every answer of the action server with `jsonschema.validate()`, which first checks
  the whole event schema against the JSON Schema 2020-12 meta-schema again: about 20 ms per custom
  action call on an idle core here, 100 ms and more on a busy one. A validator built once does the
  same check in under 1 ms.
- With SQLite, Rasa's SQL tracker store opens a new connection for every read and write and commits
  with a full sync of the rollback journal. One connection kept open, in WAL mode with
  `synchronous=NORMAL`, halves that time; a committed turn survives a crash of the server, only an
  operating-system crash or power loss may lose the last turns. Saving no longer counts the
  conversation's stored events first (about 2 ms a save).
- Rasa's own work per message, with the same results: event types looked up in a table instead
  of a walk of the event class tree for every stored event read back; the featurizers' sparse
  matrices joined at once; the NLU and policy graphs evaluated in order by `dask.core.get`, each
  target's graph built once, instead of through dask's local scheduler; rules compared with the
  conversation only as far back as the longest remaining rule reaches. Together with the tracker
  store's queries built once and one INSERT per save: single-customer p50 19.5 ms -> 14.3 ms,
  throughput at 50 customers about 66 -> 70 messages per second (make bench, same machine).
- At most 8 messages are processed at once (`KLANTENSERVICE_MESSAGES_IN_PROCESS`), the others wait
  in arrival order: with 50 customers at once the slowest turns take about 1.1 s instead of 2.5-3 s,
  at the same throughput.
"""


def install() -> None:
    """Applies every patch of `rasa_runtime.fixes` once per process; later calls do nothing."""
    from rasa_runtime import fixes

    fixes.install()
