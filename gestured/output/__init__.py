"""Stage 4, fires to the desktop: `actions` runs key presses, typing and commands through a
`keyboard` chosen for the `session` (X11, Wayland); `keynames` is the key vocabulary and
`preview` draws what the daemon sees."""
