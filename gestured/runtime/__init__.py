"""Stage 3, gestures to fires: the debouncer decides when a held pose fires (`debounce`); the
`daemon` loop runs the stages on live frames and reports `events`; `lock` keeps one daemon
per user and `signals` routes SIGTERM/SIGHUP/SIGUSR1 to it."""
