"""Operations: health probes, request logs with request ids, metrics, error reporting.

It sits above every app (it reads the outbox and the organizations for its checks and
gauges); the apps count their events in `config.metrics`, which imports none of them.
"""
