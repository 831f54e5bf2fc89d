"""A local xAI-compatible HTTP server for the demo, the tests and the benchmarks.

Entry points: `server.start_emulator()` / `RunningEmulator` (and `grokterm emulator`),
`faults.Fault` for fault injection, `state.EmulatorState` for what the server saw.
Inside: `app` (routes, auth, fault gate), `chat` and `responses` (the two generation
APIs), `models_api`, `imagegen`, `admin` (/_emulator/...), `sse` (paced, batched
streams), `turns`/`replies`/`directives` (what to answer), `context`/`images`
(parsing the request), `accounting`/`tokenizer`/`catalogue` (tokens and prices).
It never imports Textual.
"""
