"""Ctrl-C during training keeps the work: a SIGINT handler that only sets a flag.

The handler never raises inside library code. Training checks the flag between batches
(engine recipes, through a callback) or every 100 iterations (classic recipes, through
``on_epoch``) and stops cleanly; the engine callback also puts the model back to the end of
the last FINISHED epoch (a snapshot taken at every epoch end with
``model.get_training_state()``), so the saved model and the checkpoint never hold half an
epoch. After the first Ctrl-C the previous handler is back: a second Ctrl-C interrupts at
once, as usual.

Example:
    >>> with StopRequest() as stop:                                  # doctest: +SKIP
    ...     model.fit(x, y, callbacks=[stop.callback()], checkpoint="ckpt.safetensors")
    >>> stop.requested                                               # doctest: +SKIP
    True
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

__all__ = ["StopRequest"]


class StopRequest:
    """A context manager that turns the first SIGINT (Ctrl-C) into ``requested = True``.

    Outside the main thread (where signal handlers cannot be set) it does nothing.
    """

    DEFAULT = "stopping after this batch; the last finished epoch is kept (Ctrl-C again to " \
              "quit at once)"

    def __init__(self, message: str | None = None) -> None:
        self.requested = False
        self.message = message or self.DEFAULT
        self._previous: Any = None
        self._installed = False

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)  # a second Ctrl-C acts as usual
        print(f"\nCtrl-C: {self.message}", file=sys.stderr, flush=True)

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def on_epoch(self, epoch: int, logs: dict[str, float]) -> bool:
        """For ``Recipe.fit(on_epoch=...)``: True (stop) once Ctrl-C was pressed."""
        return self.requested

    def callback(self) -> Any:
        """An engine callback: stops after the batch during which Ctrl-C came, and rolls the
        model back to the last finished epoch (``finished`` = how many epochs that is)."""
        from nnmath.models.callbacks import Callback

        stop = self

        class StopOnCtrlC(Callback):
            snapshot: dict[str, Any] | None = None
            finished = 0
            rolled_back = False

            def _keep(self) -> None:
                self.snapshot = self.model.get_training_state()
                self.finished = int(self.snapshot.get("epoch", 0))

            def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
                self._keep()  # the starting point (fresh, or resumed from a checkpoint)

            def on_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
                if stop.requested:
                    self.model.stop_training = True

            def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
                if stop.requested and self.snapshot is not None:
                    self.model.set_training_state(self.snapshot)  # drop the partial epoch
                    self.model.stop_training = True
                    self.rolled_back = True
                else:
                    self._keep()

        return StopOnCtrlC()
