"""Replies that could not be delivered because the survivor's socket had gone.

A survivor who moves to another page of the charity's site, or loses signal, while the assistant is
answering must not lose the answer: it is kept here and sent when the widget resumes. Kept in this
process's memory for a short while only (a single gateway; shared state comes with handoff).
"""

import logging
import time
from collections import deque
from typing import Deque, Dict, List, Tuple

logger = logging.getLogger(__name__)

MAX_KEPT_PER_CONVERSATION = 50
KEEP_FOR_S = 15 * 60.0


class Outbox:
    """Undelivered frames per conversation, oldest first, dropped after `keep_for_s`."""

    def __init__(self, keep_for_s: float = KEEP_FOR_S, max_kept: int = MAX_KEPT_PER_CONVERSATION) -> None:
        self.keep_for_s = keep_for_s
        self._kept: Dict[str, Deque[Tuple[float, str]]] = {}
        self._max_kept = max_kept

    def keep(self, conversation: str, frame: str) -> None:
        """Holds `frame` for `conversation` until it resumes."""
        self._drop_expired()
        self._kept.setdefault(conversation, deque(maxlen=self._max_kept)).append((time.monotonic(), frame))

    def take(self, conversation: str) -> List[str]:
        """Every frame still held for `conversation`, in order; they are no longer held."""
        self._drop_expired()
        return [frame for _, frame in self._kept.pop(conversation, ())]

    def _drop_expired(self) -> None:
        oldest_allowed = time.monotonic() - self.keep_for_s
        for conversation in list(self._kept):
            frames = self._kept[conversation]
            while frames and frames[0][0] < oldest_allowed:
                frames.popleft()
            if not frames:
                del self._kept[conversation]
