"""What an endpoint handler gets: the parsed request plus the emulator's shared pieces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from grokterm.emulator.directives import Directives
from grokterm.emulator.errors import unprocessable
from grokterm.emulator.faults import Fault
from grokterm.emulator.sse import Pacing, StreamRegistry
from grokterm.emulator.state import EmulatorState


@dataclass
class Call:
    request: Request
    body: Any  # parsed JSON body (None for GET/DELETE)
    raw: bytes
    fault: Fault | None  # a queued stream fault already taken for this request
    state: EmulatorState
    streams: StreamRegistry

    def pacing(self) -> Pacing:
        return Pacing(speed=self.state.speed, first_token_delay=self.state.first_token_delay)

    def json_object(self) -> dict:
        if not isinstance(self.body, dict):
            raise unprocessable("the request body must be a JSON object")
        return self.body

    def stream_fault(self, directives: Directives, streaming: bool) -> Fault | None:
        """The fault for this request: a queued one, else a `!fault` directive.

        Raises the ApiError of a status/credits directive fault.
        """
        if self.fault is not None:
            return self.fault
        fault = directives.fault
        if fault is None or (fault.is_stream_fault and not streaming):
            return None
        if not self.state.directive_fault_fires(self.raw, fault):
            return None
        if not fault.is_stream_fault:
            raise fault.as_error()
        return fault
