"""Type-ahead in order: keys that arrive in a burst land where they would have landed typed one by one.

Why this exists (Textual 8.2): the app forwards each key from the terminal to the widget focused *at that
moment* by posting it to that widget's message queue. A key the widget does not consume (Tab, Enter) then
bubbles up the DOM, one message queue per ancestor, back to the app, which only then runs the binding
(`focus_next`) against the focus of *that* moment; `Widget.focus()` itself is deferred once more with
`call_later`, and handlers such as `on_input_submitted` run later still. A password manager's auto-type
("user<Tab>password<Enter>") is read from the terminal in one chunk, so every key after the Tab has already
been posted to the identifier field before the Tab moves the focus: the password appears there in clear text.

The fix is one app-level router (`TypeAhead`, mixed into each console's App) instead of a patch per form.
After each key or paste it follows the effects (until the message queues of the app and of the current
screen's widgets are empty); input that arrives meanwhile is held back and released one event at a time,
each only after the app and the current screen (whichever that is by then) have processed everything queued
and the workers the previous key started (a store call behind "Checking…", a policy check before a reason
prompt) have finished. Typing at human speed finds the previous key settled, so each key is delivered at
once, as before; input typed while a store call runs goes where it always went.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

ROUND_TIMEOUT = 2.0  # seconds one settling round may take before the held key is released anyway
MAX_ROUNDS = 40  # settling rounds per held key (a cascade of messages one DOM level per round)
MAX_YIELDS = 50  # event-loop turns to wait for empty queues before a (costlier) settling round
WORKER_TIMEOUT = 10.0  # seconds to wait for the workers a key started before releasing the next one anyway


class TypeAhead:
    """App mixin (list it before `App`): keys and pastes from the terminal are handled strictly in order.

    Only raw input is routed (events the app forwards to the focused widget); everything else is untouched.
    """

    _type_ahead: deque[events.Event]
    _type_ahead_task: asyncio.Task[None] | None = None
    _type_ahead_released: events.Event | None = None
    _workers_before_key: frozenset[Worker] = frozenset()  # the workers there were when the last key went in

    @property
    def type_ahead_pending(self) -> bool:
        """True while input is held back or still settling (tests wait for this to clear)."""
        return bool(getattr(self, "_type_ahead", None)) or self._type_ahead_task is not None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if event is self._type_ahead_released:
                self._type_ahead_released = None
            elif self._type_ahead_task is not None:  # the previous input is still having effects: hold this
                self._held.append(event)
                return
            else:
                self._type_ahead_task = asyncio.create_task(self._follow_input())
            self._workers_before_key = frozenset(self._app_pump.workers)  # type: ignore[attr-defined]
        await super().on_event(event)  # type: ignore[misc]

    @property
    def input_waiting(self) -> bool:
        """True while more input is on its way to the focused widget: held back here, or a key or paste not yet read
        from the app's queue (the rest of a burst, e.g. a paste or a password manager's auto-type, read from the
        terminal at once). A search box searches once such a burst is all in, instead of once a key."""
        queued: deque[object] = self._app_pump._message_queue.values  # textual._queue.Queue: a deque
        return bool(getattr(self, "_type_ahead", None)) or any(
            isinstance(message, (events.Key, events.Paste)) for message in queued
        )

    @property
    def _held(self) -> deque[events.Event]:
        if not hasattr(self, "_type_ahead"):
            self._type_ahead = deque()
        return self._type_ahead

    async def _follow_input(self) -> None:
        """Follow the input just delivered until its messages are processed; then deliver what was held
        meanwhile, one event at a time, each once the previous one (and any worker it started) is done.

        Without held input this costs a few event-loop turns per key: typing at human speed is unchanged."""
        try:
            while True:
                await self._queues_drained()
                if not self._held:
                    return
                await self._settle()
                event = self._held.popleft()
                self._type_ahead_released = event
                if not self._app_pump.post_message(event):
                    self._held.clear()  # the app is closing
                    return
        finally:
            self._type_ahead_task = None

    def _on_unmount(self) -> None:
        task, self._type_ahead_task = self._type_ahead_task, None
        if task is not None:
            task.cancel()

    # ------------------------------------------------------------ settling

    @property
    def _app_pump(self) -> MessagePump:
        return self  # type: ignore[return-value]

    def _pumps(self) -> list[MessagePump]:
        """The message pumps whose work a key can start: the app and the current screen with its widgets."""
        app = self._app_pump
        try:
            screen = app.screen  # type: ignore[attr-defined]
        except Exception:  # no screen yet, or closing
            return [app]
        return [app, *screen.walk_children(with_self=True)]

    def _focus_chain(self) -> list[MessagePump]:
        """The pumps a key goes through: the app, the current screen, and the focused widget with its ancestors (a
        key bubbles up them, and a focus move is a callback on the app or the screen)."""
        app = self._app_pump
        try:
            screen = app.screen  # type: ignore[attr-defined]
        except Exception:  # no screen yet, or closing
            return [app]
        focused = screen.focused
        chain = [] if focused is None else [node for node in focused.ancestors_with_self if node is not app]
        return [app, *dict.fromkeys([screen, *chain])]

    def _input_settled(self) -> bool:
        """Nothing queued anywhere a key's effects could still be on their way through."""
        return not any(not pump._message_queue.empty() or pump._next_callbacks for pump in self._pumps())

    async def _queues_drained(self) -> None:
        """Yield to the event loop until every pump has worked through its queue (or MAX_YIELDS turns)."""
        for _ in range(MAX_YIELDS):
            if self._input_settled():
                return
            await asyncio.sleep(0)

    async def _settle(self) -> None:
        """Run rounds (every pump processes what was queued before the round) until everything is settled
        and the workers started by the last key are done."""
        for _ in range(MAX_ROUNDS):
            await self._queues_drained()  # cheap first
            if not await self._round():  # sure: a handler still awaiting something has an empty queue too
                return  # a pump did not answer in time: do not hold the input back forever
            if self._input_settled():
                started = self._workers_started_by_last_key()
                if not started:
                    return
                if not await self._wait_for(started):
                    return

    def _workers_started_by_last_key(self) -> list[Worker]:
        before = self._workers_before_key
        return [
            worker
            for worker in self._app_pump.workers  # type: ignore[attr-defined]
            if worker not in before and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
        ]

    @staticmethod
    async def _wait_for(workers: list[Worker]) -> bool:
        """Wait until the workers end (however they end); False if they take longer than WORKER_TIMEOUT."""

        async def ended(worker: Worker) -> None:
            with contextlib.suppress(Exception):  # cancelled or failed: ended all the same
                await worker.wait()

        try:
            await asyncio.wait_for(asyncio.gather(*(ended(worker) for worker in workers)), WORKER_TIMEOUT)
        except TimeoutError:
            return False
        return True

    async def _round(self) -> bool:
        """Queue a callback behind the pending messages of every pump a key goes through and wait for all of them
        (a round over every widget of the screen cost about 2 ms a key: a 6-key burst, 12 ms); False on timeout."""
        done = asyncio.Event()
        waiting = 0

        def answered() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting == 0:
                done.set()

        for pump in self._focus_chain():  # every queue is empty by now: a round waits for a handler still at work
            if pump.call_later(answered):
                waiting += 1
        if waiting == 0:
            return True
        try:
            await asyncio.wait_for(done.wait(), ROUND_TIMEOUT)
        except TimeoutError:
            return False
        return True
