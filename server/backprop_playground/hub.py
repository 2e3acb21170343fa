"""Live models: loaded from the store on first use, one lock each, saved through after every change.

Replicas may share one database: a live copy works only while it is the stored revision (checked under its
lock before each use; a stale copy is dropped and reloaded) and saves by compare-and-set on that revision,
so two replicas never interleave writes to a model and no step is lost or applied twice silently: the
loser answers ModelConflict (409, retry) and reloads.

A save the database cannot take (store.StorageError: full, read-only, unreachable) leaves the model's
changes in memory, still marked unsaved: an explicit save raises it for the request to answer, a periodic
one (`save_if_due`) reports it and is tried again after the period, eviction keeps the model, and any later
successful save writes everything. Nothing saved is lost.

Every method here does blocking work (database, NumPy) and runs in a CPU job, never on the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from backprop_playground.admission.budget import model_bytes
from backprop_playground.nets.limits import Limits
from backprop_playground.nets.model import Model
from backprop_playground.nets.results import TrainResult
from backprop_playground.nets.spec import ModelSpec
from backprop_playground.store import StaleRevision, StorageError, Store, StoredModel, hash_token

log = logging.getLogger("backprop_playground.hub")
T = TypeVar("T")
SNAPSHOT_EVERY_S = 0.05  # reads of a model that keeps changing copy its state at most this often
TOUCH_EVERY_S = 3600.0  # a cached model in use is marked used in the store at most this often


class UnknownModel(LookupError):
    """No model has this id (never created, or deleted)."""

    def __init__(self, model_id: str) -> None:
        super().__init__(f"no model with id {model_id!r}")


class NotAllowed(PermissionError):
    """The request's edit token is missing (`missing`) or is not this model's."""

    def __init__(self, missing: bool) -> None:
        self.missing = missing
        what = "this needs the model's edit token" if missing else "this edit token is not the model's"
        super().__init__(f"{what} (Authorization: Bearer <edit_token>)")


class ModelBusy(RuntimeError):
    """Another request holds the model (e.g. a long `train`)."""

    why = "is busy with another request; retry shortly"

    def __init__(self, model_id: str) -> None:
        super().__init__(f"model {model_id} {self.why}")


class ModelConflict(ModelBusy):
    """Another replica saved the model since this one loaded it; the stale copy is dropped (retry)."""

    why = "was changed by another server replica; retry, it reloads from its last save"


class LiveModel:
    """A loaded model with its lock; `saved_at` is when its state last reached the store."""

    def __init__(self, stored: StoredModel, model: Model) -> None:
        self.id = stored.id
        self.record = stored
        self.model = model
        self.lock = threading.Lock()
        self.saved_at = time.monotonic()
        self.save_failed_at: float | None = None  # when the last save the database refused was tried
        self.dirty = False
        self.deleted = False
        self.stale = False  # another replica saved the model since: this copy must not be used
        self.revision = stored.revision  # the store's revision this copy is at
        self.pins = 0  # open streams; a pinned model stays in memory
        self.state = stored.state  # as last saved: what reads see while a job holds the model
        self.version = 0  # changes since loading (stream and training steps)
        self.snapshot: tuple[int, float, dict] | None = None  # (version, when, state) a read copied
        self.touched_at = time.monotonic()  # when the store last marked it used
        self.nbytes = model_bytes(model)  # estimated memory it keeps while cached

    def check_token(self, token: str | None) -> None:
        """Raise NotAllowed unless `token` is this model's edit token (constant-time)."""
        if not self.record.accepts(token):
            raise NotAllowed(missing=not token)

    @contextmanager
    def held(self, wait_s: float) -> Iterator[Model]:
        """The model, exclusively; ModelBusy if another job keeps it longer than `wait_s`."""
        if not self.lock.acquire(timeout=wait_s):
            raise ModelBusy(self.id)
        try:
            if self.deleted:
                raise UnknownModel(self.id)
            if self.stale:
                raise ModelConflict(self.id)
            yield self.model
        finally:
            self.lock.release()


class ModelHub:
    """The models in memory (least recently used ones evicted) over the durable store."""

    def __init__(self, store: Store, limits: Limits, *, capacity: int, persist_every_s: float,
                 wait_s: float = 5.0, capacity_bytes: int | None = None) -> None:
        self.store = store
        self.limits = limits
        self.capacity = max(1, capacity)
        self.capacity_bytes = capacity_bytes  # the models' estimated memory (budget.model_bytes), at most
        self.persist_every_s = persist_every_s
        self.wait_s = wait_s
        self._live: OrderedDict[str, LiveModel] = OrderedDict()
        self._guard = threading.RLock()
        store.on_expire = self._expired

    def create(self, spec: ModelSpec, check: Callable[[Model], None] | None = None,
               owner: str | None = None) -> tuple[LiveModel, str]:
        """Build and store a new model (`check` may refuse it first; `owner` is the store's hash of the
        creating client); returns it and its edit token."""
        model = Model.create(spec, self.limits)
        if check is not None:
            check(model)
        state = model.to_state()
        model_id, token = self.store.create(state, owner)
        stored = StoredModel(model_id, hash_token(token), state, datetime.now(UTC))
        return self._remember(LiveModel(stored, model)), token

    def get(self, model_id: str) -> LiveModel:
        """The live model of `model_id`, loading it from the store; UnknownModel if there is none."""
        with self._guard:
            live = self._live.get(model_id)
            if live is not None:
                self._live.move_to_end(model_id)
                if time.monotonic() - live.touched_at > TOUCH_EVERY_S:
                    live.touched_at = time.monotonic()
                    self.store.touch(model_id)
                return live
            stored = self.store.get(model_id)
            if stored is None:
                raise UnknownModel(model_id)
            self.store.touch(model_id)  # in use again: it does not expire now
            live = LiveModel(stored, Model.from_state(stored.state, self.limits))
            self._insert(live)
            return live

    def _expired(self, model_ids: list[str]) -> None:
        """The store deleted these unused models: forget them here too."""
        with self._guard:
            for model_id in model_ids:
                live = self._live.pop(model_id, None)
                if live is not None:
                    live.deleted = True

    @contextmanager
    def current(self, model_id: str, token: str | None = None, *, check_token: bool = False,
                wait_s: float | None = None) -> Iterator[LiveModel]:
        """The live model, held, and at the store's revision: a copy another replica has saved over since
        it loaded (and that has no unsaved change of its own) is dropped and loaded again."""
        wait = self.wait_s if wait_s is None else wait_s
        for _attempt in range(3):
            live = self.get(model_id)
            if check_token:
                live.check_token(token)
            if not live.lock.acquire(timeout=wait):
                raise ModelBusy(model_id)
            try:
                if live.deleted:
                    raise UnknownModel(model_id)
                if live.stale or not self._is_current(live):
                    continue
                yield live
                return
            finally:
                live.lock.release()
        raise ModelConflict(model_id)

    def _is_current(self, live: LiveModel) -> bool:
        """(With its lock held.) Whether `live` may be used: False after dropping a stale copy."""
        if live.dirty:  # unsaved changes of its own: its compare-and-set save decides
            return True
        revision = self.store.revision(live.id)
        if revision is None:
            live.deleted = True
            self._forget(live)
            raise UnknownModel(live.id)
        if revision == live.revision:
            return True
        self._drop_stale(live)
        return False

    def _drop_stale(self, live: LiveModel) -> None:
        live.stale = True
        self._forget(live)

    def use(self, model_id: str, fn: Callable[[Model], T], *, token: str | None = None,
            mutates: bool = False, wait_s: float | None = None) -> T:
        """Run `fn(model)` holding the model's lock; checks the token first and saves after a mutation."""
        with self.current(model_id, token, check_token=mutates, wait_s=wait_s) as live:
            result = fn(live.model)
            if mutates:
                live.dirty = True
                self.save(live)
        return result

    def authorize(self, model_id: str, token: str | None) -> LiveModel:
        """The live model if `token` is its edit token; UnknownModel or NotAllowed otherwise."""
        live = self.get(model_id)
        live.check_token(token)
        return live

    def train(self, model_id: str, token: str | None, steps: int, *, every: int = 0,
              on_progress: Callable[[int, float | None, float | None], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> TrainResult:
        """Train holding the model; saves at least every `persist_every_s` meanwhile (so a crash loses
        at most that much) and once at the end. `on_progress` is called every `every` steps. Deleting
        the model stops the training at the next step."""
        def stop() -> bool:
            return live.deleted or (should_stop is not None and should_stop())

        def checkpoint(step: int, loss: float | None, accuracy: float | None) -> None:
            self.save_if_due(live)
            if on_progress is not None and every and step % every == 0:
                on_progress(step, loss, accuracy)

        with self.current(model_id, token, check_token=True) as live:
            try:
                return live.model.train(steps, every=1, on_progress=checkpoint, should_stop=stop)
            finally:
                live.dirty = True
                self.save(live)

    def state(self, model_id: str) -> dict:
        """The model's state, never waiting for its lock: the current one when nothing changed it since
        it was saved or copied, or when it is free and the last copy is older than SNAPSHOT_EVERY_S;
        otherwise the newest copy (so read loops on a share link cannot slow its owner's stream)."""
        live = self.get(model_id)
        if not live.dirty:
            if self.store.revision(model_id) == live.revision:
                return live.state
            with self.current(model_id) as live:  # saved by another replica: load it again
                return live.state
        snapshot = live.snapshot
        now = time.monotonic()
        if snapshot is not None and (snapshot[0] == live.version or now - snapshot[1] < SNAPSHOT_EVERY_S):
            return snapshot[2]
        if live.lock.acquire(blocking=False):
            try:
                if not live.dirty:
                    return live.state
                state = live.model.to_state()
                live.snapshot = (live.version, now, state)
                return state
            finally:
                live.lock.release()
        if snapshot is not None and snapshot[1] > live.saved_at:
            return snapshot[2]
        return live.state

    def save(self, live: LiveModel) -> None:
        """Write the model's state through to the store (call with its lock held)."""
        if live.deleted:
            return
        if live.stale:
            raise ModelConflict(live.id)
        state = live.model.to_state()
        try:
            revision = self.store.save_over(live.id, state, live.revision)
        except StaleRevision:
            self._drop_stale(live)
            raise ModelConflict(live.id) from None
        if revision is None:
            self._forget(live)
            raise UnknownModel(live.id)
        live.revision = revision
        live.state = state
        live.saved_at = time.monotonic()
        live.save_failed_at = None
        live.dirty = False

    def save_due_in(self, live: LiveModel, every_s: float | None = None) -> float:
        """Seconds until `save_if_due` saves (≤ 0: due now)."""
        every = self.persist_every_s if every_s is None else every_s
        return max(live.saved_at, live.save_failed_at or 0.0) + every - time.monotonic()

    def save_if_due(self, live: LiveModel, every_s: float | None = None, *,
                    may_save: bool = True) -> StorageError | None:
        """Save when the last save (or the last refused attempt) is older than `every_s` (default
        `persist_every_s`): during long training and streams. Returns the StorageError when this call's save
        was refused: the changes stay in memory and the next due save tries again. Without `may_save` (a
        step on the event loop, which must not wait for the database) the change is only marked: the next
        call that may save does."""
        live.dirty = True
        live.version += 1
        if not may_save or self.save_due_in(live, every_s) > 0:
            return None
        try:
            self.save(live)
        except StorageError as exc:
            live.save_failed_at = time.monotonic()
            return exc
        return None

    def delete(self, model_id: str, token: str | None) -> None:
        """Remove the model for good (token checked); running jobs on it end with UnknownModel. A delete the
        database refuses (StorageError) leaves the model in place."""
        live = self.get(model_id)
        live.check_token(token)
        live.deleted = True  # a training on it stops at its next step
        try:
            self.store.delete(model_id)
        except StorageError:
            live.deleted = False
            raise
        self._forget(live)

    def pin(self, model_id: str) -> LiveModel:
        """The live model, kept in memory until `unpin` (a stream holds it between steps)."""
        live = self.get(model_id)
        if live.lock.acquire(blocking=False):  # free: make sure it is current (a busy one is in use here)
            try:
                fresh = live.deleted or live.stale or self._is_current(live)
            finally:
                live.lock.release()
            if not fresh:
                live = self.get(model_id)
        with self._guard:
            live.pins += 1
            return live

    def unpin(self, live: LiveModel) -> None:
        with self._guard:
            live.pins -= 1

    def _remember(self, live: LiveModel) -> LiveModel:
        with self._guard:
            self._insert(live)
        return live

    def _insert(self, live: LiveModel) -> None:
        """Cache `live`, evicting the least recently used models (saved first) while there are more than
        `capacity` or their estimated memory exceeds `capacity_bytes`."""
        self._live[live.id] = live
        nbytes = sum(cached.nbytes for cached in self._live.values())
        limit = self.capacity_bytes if self.capacity_bytes is not None else nbytes
        for old in list(self._live.values()):
            if len(self._live) <= self.capacity and nbytes <= limit:
                break
            # A model in use stays: evicting it would let a second copy of it load.
            if old is live or old.pins or not old.lock.acquire(blocking=False):
                continue
            try:
                if old.dirty:
                    self.save(old)
                self._live.pop(old.id, None)
                nbytes -= old.nbytes
            except StorageError:
                continue  # its changes cannot be saved now: it stays in memory
            finally:
                old.lock.release()

    def _forget(self, live: LiveModel) -> None:
        with self._guard:
            if self._live.get(live.id) is live:
                del self._live[live.id]

    def close(self) -> None:
        """Save every model with unsaved changes (server shutdown)."""
        with self._guard:
            pending = [live for live in self._live.values() if live.dirty]
        for live in pending:
            with live.lock:
                try:
                    self.save(live)
                except StorageError as exc:
                    log.error("model %s: its changes since the last save are lost at shutdown (%s)",
                              live.id, exc)
