"""gestures.yaml loading (gestured/config/): every rejection with a bad file on disk,
the exact `file:line: path: message` of each, permissions, defaults and conversions."""

from __future__ import annotations

import os
import re
import textwrap
from pathlib import Path

import pytest

from gestured import paths
from gestured.config import (
    ConfigError,
    check_permissions,
    default_config_path,
    is_shipped_default,
    load_settings,
    read_config,
)
from gestured.config.settings import (
    ArmOptions, Binding, DeliberateOptions, KeyAction, OpenPoseOptions, Settings, ShellAction, TypeAction,
)
from gestured.errors import GesturedError


def write_config(directory: Path, text: str, name: str = "gestures.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    path.chmod(0o600)
    return path


def problems_of(path: Path, **options: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, **options)  # type: ignore[arg-type]
    assert str(caught.value) == "\n".join(caught.value.problems)
    return caught.value.problems


# ---- one bad file per rejection, asserting the exact message --------------------------

BAD_FILES = [
    pytest.param(
        """
        hold: 0.25
        bindings:
          thumbs_up:
            key: play_pause
          ok:
            key: ctrll+c
        """,
        ["6: bindings.ok.key: unknown key 'ctrll' (did you mean 'ctrl'?)"], id="unknown-key"),
    pytest.param(
        """
        bindings:
          ok:
            key: ctrl+a+b
        """,
        ["3: bindings.ok.key: 'ctrl+a+b' has 2 keys (a, b): a combination is modifiers and one key"],
        id="two-keys"),
    pytest.param(
        """
        bindings:
          thumbs_upp:
            key: play_pause
        """,
        ["2: bindings.thumbs_upp: unknown gesture 'thumbs_upp' (did you mean 'thumbs_up'?)"],
        id="unknown-gesture"),
    pytest.param(
        """
        bindings:
          wave:
            key: a
        """,
        ["2: bindings.wave: unknown gesture 'wave': use fist, ok, open_palm, point_left, "
         "point_right, point_up, thumbs_down, thumbs_up, swipe_* or circle_* (a custom model adds more)"],
        id="unknown-gesture-no-suggestion"),
    pytest.param(
        """
        bindings:
          none:
            key: a
        """,
        ["2: bindings.none: 'none' means no gesture and cannot be bound"], id="none-gesture"),
    pytest.param("threshold: high\n", ["1: threshold: must be a number, not 'high'"], id="bad-type"),
    pytest.param("num_hands: 1.5\n", ["1: num_hands: must be a whole number, not 1.5"], id="float-for-int"),
    pytest.param("mirrored: sometimes\n", ["1: mirrored: must be true or false, not 'sometimes'"],
                 id="bad-bool"),
    pytest.param(
        """
        openpose:
          input_size: 150
          stage: 7
          region: palm
          speed: max
        """,
        ["2: openpose.input_size: must be a multiple of 8, got 150",
         "3: openpose.stage: must be at most 6, not 7",
         "4: openpose.region: unknown region finder 'palm': choose one of full, mediapipe, motion, tracker",
         "5: openpose.speed: unknown setting: use one of input_size, stage, region"],
        id="openpose-options"),
    pytest.param(
        """
        bindings:
          fist:
            key: mute
            hold: -0.5
        """,
        ["4: bindings.fist.hold: must be at least 0, not -0.5"], id="negative-hold"),
    pytest.param("threshold: 1.5\n", ["1: threshold: must be at most 1, not 1.5"], id="threshold-above-1"),
    pytest.param(
        """
        bindings:
          point_up:
            key: volume_up
            repeat: 0
        """,
        ["4: bindings.point_up.repeat: must be more than 0, not 0"], id="zero-repeat"),
    pytest.param(
        """
        backend: mediapipe
        thresold: 0.5
        """,
        ["2: thresold: unknown setting (did you mean 'threshold'?)"], id="unknown-top-level-key"),
    pytest.param(
        """
        bindings:
          ok:
            key: a
            colour: red
        """,
        ["4: bindings.ok.colour: unknown setting: use one of key, type, shell, use_shell, timeout, "
         "hold, threshold, release, repeat, hand, distance, duration, max_motion"], id="unknown-binding-key"),
    pytest.param(
        """
        bindings:
          ok:
            key: a
            hand: both
        """,
        ["4: bindings.ok.hand: must be 'left', 'right' or 'any', not 'both'"], id="bad-hand"),
    pytest.param("backend: openpos\n",
                 ["1: backend: unknown backend 'openpos': choose one of mediapipe, openpose"],
                 id="unknown-backend"),
    pytest.param(
        """
        bindings:
          ok:
            key: ctrl+c
            shell: [notify-send, hi]
        """,
        ["2: bindings.ok: has 2 actions (key, shell): give only one"], id="two-actions"),
    pytest.param(
        """
        bindings:
          ok:
            hold: 0.3
        """,
        ["2: bindings.ok: no action: give one of key, type or shell"], id="no-action"),
    pytest.param(
        """
        bindings:
          ok:
        """,
        ["2: bindings.ok: no action: give one of key, type or shell"], id="empty-binding"),
    pytest.param(
        """
        bindings:
          ok: play_pause
        """,
        ["2: bindings.ok: must be a mapping, not 'play_pause'"], id="binding-not-mapping"),
    pytest.param(
        """
        bindings:
          ok:
            shell: [notify-send, hi]
            use_shell: true
        """,
        ["4: bindings.ok.use_shell: needs the command as one string (it runs with /bin/sh -c); "
         "a list runs without a shell: drop use_shell or write one string"], id="shell-both-forms"),
    pytest.param(
        """
        bindings:
          ok:
            shell: "pgrep mpv | head -1"
        """,
        ["3: bindings.ok.shell: '|' needs a shell, but commands run without one: "
         "add `use_shell: true` to run it with /bin/sh"], id="shell-syntax-without-shell"),
    pytest.param(
        """
        bindings:
          ok:
            shell: "notify-send 'unclosed"
        """,
        ["3: bindings.ok.shell: cannot split \"notify-send 'unclosed\" into arguments: no closing quotation"],
        id="shell-bad-quoting"),
    pytest.param(
        """
        bindings:
          ok:
            shell:
              - notify-send
              - [nested]
        """,
        ["3: bindings.ok.shell: argument 2 must be text, not a list: quote it"], id="shell-bad-argument"),
    pytest.param(
        """
        bindings:
          ok:
            shell: []
        """,
        ["3: bindings.ok.shell: is an empty list: give the program and its arguments"], id="shell-empty"),
    pytest.param(
        """
        bindings:
          ok:
            key: a
            timeout: 3
            use_shell: false
        """,
        ["4: bindings.ok.timeout: only applies to a shell action",
         "5: bindings.ok.use_shell: only applies to a shell action"], id="shell-options-on-key"),
    pytest.param(
        """
        bindings:
          ok:
            type: "   "
        """,
        ["3: bindings.ok.type: is empty"], id="empty-text"),
    pytest.param(
        """
        bindings:
          ok:
            key: a
          fist:
            key: b
          ok:
            key: c
        """,
        ["6: bindings.ok: duplicate key (first at line 2): keep one"], id="duplicate-gesture"),
    pytest.param(
        """
        bindings:
          thumbs_up:
            key: play_pause
           thumbs_down:
            key: mute
        """,
        ["4: YAML syntax error: expected <block end>, but found '<block mapping start>'"],
        id="yaml-syntax"),
    pytest.param("hold: 0.2\nrelease: 0.3: 4\n",
                 ["2: YAML syntax error: mapping values are not allowed here"], id="yaml-colon"),
    pytest.param(
        """
        bindings:
          ok: [unclosed
        """,
        ["3: YAML syntax error: expected ',' or ']', but got '<stream end>'"], id="yaml-unclosed"),
    pytest.param("hold: .inf\n", ["1: hold: must be a finite number, not inf"], id="infinite-hold"),
    pytest.param(
        """
        bindings:
          ok:
            key: a
            1: 2
        """,
        ["4: bindings.ok.1: unknown setting: use one of key, type, shell, use_shell, timeout, "
         "hold, threshold, release, repeat, hand, distance, duration, max_motion"], id="number-as-setting-name"),
    pytest.param("hold: 0.2\n---\nhold: 0.3\n",
                 ["2: YAML syntax error: expected a single document in the stream, but found another document"],
                 id="two-documents"),
    pytest.param("- just\n- a list\n", ["1: the file must be a mapping (backend: ..., bindings: ...)"],
                 id="not-a-mapping"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_each_bad_file_gives_its_exact_problem(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write_config(tmp_path, text)
    problems = problems_of(path)
    assert problems == [f"{path}:{line}" for line in expected]


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        backend: mediapip
        hold: -1
        bindings:
          thumbs_up:
            key: ctrll+t
          thumbs_upp:
            key: play_pause
          ok:
            type: hello
            hand: both
        extra: 1
        """)
    assert problems_of(path) == [
        f"{path}:1: backend: unknown backend 'mediapip': choose one of mediapipe, openpose",
        f"{path}:2: hold: must be at least 0, not -1",
        f"{path}:5: bindings.thumbs_up.key: unknown key 'ctrll' (did you mean 'ctrl'?)",
        f"{path}:6: bindings.thumbs_upp: unknown gesture 'thumbs_upp' (did you mean 'thumbs_up'?)",
        f"{path}:10: bindings.ok.hand: must be 'left', 'right' or 'any', not 'both'",
        f"{path}:11: extra: unknown setting: use one of backend, camera, model, threshold, "
        "hold, release, num_hands, mirrored, openpose, ui, deliberate, gestures, arm, bindings, apps",
    ]


def test_missing_file_and_non_utf8_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    assert problems_of(missing) == [f"{missing}: cannot read: No such file or directory"]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"hold: \xff\xfe\n")
    binary.chmod(0o600)
    assert problems_of(binary) == [f"{binary}:1: cannot read: not UTF-8 text"]
    assert issubclass(ConfigError, GesturedError)


# ---- what a good file turns into ------------------------------------------------------

def test_bindings_inherit_global_timing_and_keep_their_overrides(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        camera: 2
        threshold: 0.6
        hold: 0.2
        release: 0.5
        num_hands: 2
        mirrored: true
        bindings:
          thumbs_up:
            key: Control+Alt+T
          point_up:
            key: volume_up
            hold: 0.4
            threshold: 0.9
            release: 1
            repeat: 0.3
            hand: right
        """)
    settings = load_settings(path)
    assert (settings.camera, settings.threshold, settings.num_hands, settings.mirrored) == ("2", 0.6, 2, True)
    assert settings.bindings == (
        Binding("thumbs_up", KeyAction(("ctrl", "alt", "t")), hold=0.2, threshold=0.6, release=0.5,
                max_motion=5.0),  # the thumbs' default (settings.DEFAULT_GESTURES)
        Binding("point_up", KeyAction(("volume_up",)), hold=0.4, threshold=0.9, release=1.0,
                repeat=0.3, hand="right"),
    )


def test_action_forms(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        bindings:
          ok:
            shell: notify-send "two words" 5
          fist:
            shell: [sleep, 5]
            timeout: 2.5
          open_palm:
            shell: "playerctl status | grep -q Playing"
            use_shell: true
          point_up:
            type: "hello: world"
        """)
    actions = {binding.gesture: binding.action for binding in load_settings(path).bindings}
    assert actions == {
        "ok": ShellAction(("notify-send", "two words", "5")),
        "fist": ShellAction(("sleep", "5"), timeout=2.5),
        "open_palm": ShellAction(("playerctl status | grep -q Playing",), use_shell=True),
        "point_up": TypeAction("hello: world"),
    }


def test_empty_and_comment_only_files_give_defaults_with_a_note(tmp_path: Path) -> None:
    for text in ("", "# everything commented out\n# bindings:\n"):
        path = write_config(tmp_path, text)
        settings, notes = read_config(path)
        assert settings == Settings()
        assert notes == [f"{path} is empty: using the default settings, with no bindings"]
    path = write_config(tmp_path, "bindings:\n  # thumbs_up:\n  #   key: a\n")
    assert load_settings(path).bindings == ()


def test_model_paths_are_taken_from_the_config_directory(tmp_path: Path) -> None:
    path = write_config(tmp_path, "model: models/custom\n")
    assert load_settings(path).model == str(tmp_path / "models" / "custom")
    path = write_config(tmp_path, "model: ~/custom\n")
    assert load_settings(path).model == os.path.expanduser("~/custom")


def test_labels_of_a_custom_model_become_bindable(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        model: custom
        bindings:
          peace:
            key: a
        """)
    assert problems_of(path) == [
        f"{path}:3: bindings.peace: unknown gesture 'peace': use fist, ok, "
        "open_palm, point_left, point_right, point_up, thumbs_down, thumbs_up, swipe_* or circle_* (a custom model adds more)"]
    assert load_settings(path, labels=["peace", "none"]).bindings[0].gesture == "peace"
    asked: list[str | None] = []

    def hook(model: str | None) -> tuple[str, ...]:
        asked.append(model)
        return ("peace",)

    assert load_settings(path, labels=hook).bindings[0].gesture == "peace"
    assert asked == [str(tmp_path / "custom")]


def test_a_model_the_hook_cannot_load_is_reported_at_model(tmp_path: Path) -> None:
    path = write_config(tmp_path, "backend: mediapipe\nmodel: nowhere\n")

    def hook(model: str | None) -> tuple[str, ...]:
        raise GesturedError(f"model {model} not found: run gestured train")

    assert problems_of(path, labels=hook) == [
        f"{path}:2: model: model {tmp_path / 'nowhere'} not found: run gestured train"]


# ---- the shipped default ---------------------------------------------------------------

def test_shipped_default_is_valid_and_binds_thumbs_up_to_play_pause() -> None:
    shipped = paths.shipped_config_file()
    settings, notes = read_config(shipped)
    assert is_shipped_default(shipped) and "using the shipped default" in notes[0]
    bindings = {binding.gesture: binding for binding in settings.bindings}
    assert bindings["thumbs_up"].action == KeyAction(("play_pause",))
    # Thumbs stay quick; the shapes hands make all day hold longer (`gestures:` in the file).
    assert settings.hold <= 0.3 and bindings["thumbs_up"].hold <= 0.3 and bindings["thumbs_down"].hold <= 0.3
    assert bindings["point_left"].hold == bindings["point_right"].hold == 0.5


def test_shipped_commented_examples_are_valid(tmp_path: Path) -> None:
    """Each commented-out example binding of the shipped file, uncommented, must load."""
    text = paths.shipped_config_file().read_text(encoding="utf-8")
    examples = re.findall(r"^  # (\w+):.*\n((?:  #   .*\n)+)", text, flags=re.MULTILINE)
    assert len(examples) >= 5
    for gesture, body in examples:
        uncommented = f"bindings:\n  {gesture}:\n" + body.replace("  #   ", "    ")
        path = write_config(tmp_path, uncommented)
        assert [binding.gesture for binding in load_settings(path).bindings] == [gesture]


def test_default_config_path_prefers_the_users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == paths.shipped_config_file()
    user_file = tmp_path / "gestured" / "gestures.yaml"
    user_file.parent.mkdir()
    user_file.write_text("hold: 0.2\n")
    assert default_config_path() == user_file


# ---- permissions (real files, real chmod) ----------------------------------------------

def test_group_or_other_writable_file_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "hold: 0.2\n")
    for mode in (0o664, 0o606):
        path.chmod(mode)
        assert problems_of(path) == [
            f"{path}: refusing to load: the file is writable by group or others (mode {mode:04o}); "
            f"run: chmod go-w {path}"]
    path.chmod(0o644)
    assert load_settings(path).hold == 0.2


def test_writable_directory_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    path = write_config(directory, "hold: 0.2\n")
    directory.chmod(0o777)
    assert problems_of(path) == [
        f"{path}: refusing to load: its directory {directory} is writable by group or others "
        f"(mode 0777); run: chmod go-w {directory}"]
    directory.chmod(0o755)
    assert load_settings(path).hold == 0.2


def test_a_shared_sticky_directory_is_refused_with_advice_to_move(tmp_path: Path) -> None:
    directory = tmp_path / "shared"
    directory.mkdir()
    path = write_config(directory, "hold: 0.2\n")
    directory.chmod(0o1777)  # like /tmp: chmod go-w would be the wrong advice
    assert problems_of(path) == [
        f"{path}: refusing to load: its directory {directory} is writable by group or others "
        "(mode 1777); move the config to a directory only you can write, e.g. ~/.config/gestured"]


def test_a_file_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, "hold: 0.2\n")
    if os.getuid() == 0:
        os.chown(path, 4242, 4242)  # root runs gestured; uid 4242 owns the file
        runner = None
    else:
        runner = os.getuid() + 4242  # "who runs gestured" is injected: not the owner
    with pytest.raises(ConfigError) as caught:
        check_permissions(path, uid=runner)
    assert caught.value.problems[0].startswith(f"{path}: refusing to load: the file is owned by ")
    assert caught.value.problems[0].endswith("or root; use a copy that you own")


def test_root_owned_files_are_trusted(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root to chown a file to root")
    path = write_config(tmp_path, "hold: 0.2\n")
    check_permissions(path, uid=4242)  # owned by root: fine for any user
    os.chown(path, 4242, 4242)
    with pytest.raises(ConfigError, match="the file is owned by"):
        check_permissions(path)  # root runs it, uid 4242 owns it


def test_symlinked_config_checks_the_real_file(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir(mode=0o700)
    real = write_config(dotfiles, "hold: 0.2\n")
    link = tmp_path / "gestures.yaml"
    link.symlink_to(real)
    real.chmod(0o666)
    assert problems_of(link) == [
        f"{link}: refusing to load: the file {real} is writable by group or others (mode 0666); "
        f"run: chmod go-w {real}"]


def test_openpose_options_reach_the_backend_only_for_openpose(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        backend: openpose
        num_hands: 2
        openpose:
          input_size: 184
          stage: 1
          region: tracker
        """)
    settings = load_settings(path)
    assert settings.backend_options() == OpenPoseOptions(input_size=184, stage=1, region="tracker")
    assert (settings.num_hands, settings.mirrored) == (2, False)
    assert settings.backend_options("mediapipe") is None  # MediaPipe's own defaults


@pytest.mark.parametrize("text, expected", [
    pytest.param("deliberate:\n  max_motion: 0\n", ["2: deliberate.max_motion: must be more than 0, not 0"],
                 id="zero-motion"),
    pytest.param("deliberate:\n  min_size: 2\n", ["2: deliberate.min_size: must be at most 1, not 2"],
                 id="size-above-1"),
    pytest.param("deliberate:\n  evidence: maybe\n", ["2: deliberate.evidence: must be true or false, not 'maybe'"],
                 id="evidence-not-bool"),
    pytest.param("deliberate:\n  steady: 1\n",
                 ["2: deliberate.steady: unknown setting: use one of max_motion, min_size, edge, evidence"],
                 id="unknown-deliberate-key"),
    pytest.param("gestures:\n  fsit: {hold: 1}\n", ["2: gestures.fsit: unknown gesture 'fsit' (did you mean 'fist'?)"],
                 id="unknown-gesture-default"),
    pytest.param("gestures:\n  fist: {hold: -1}\n", ["2: gestures.fist.hold: must be at least 0, not -1"],
                 id="negative-gesture-hold"),
    pytest.param("gestures:\n  fist: {speed: 1}\n",
                 ["2: gestures.fist.speed: unknown setting: use one of hold, max_motion"], id="unknown-gesture-key"),
    pytest.param("arm:\n  gesture: open_plam\n",
                 ["2: arm.gesture: unknown gesture 'open_plam' (did you mean 'open_palm'?)"], id="unknown-arm-gesture"),
    pytest.param("arm:\n  gesture: ok\n  seconds: 0\n", ["3: arm.seconds: must be more than 0, not 0"],
                 id="zero-arm-seconds"),
])
def test_each_bad_deliberate_setting_gives_its_exact_problem(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write_config(tmp_path, text)
    assert problems_of(path) == [f"{path}:{line}" for line in expected]


def test_deliberate_settings_and_per_gesture_defaults_reach_the_bindings(tmp_path: Path) -> None:
    path = write_config(tmp_path, """
        hold: 0.3
        deliberate: {max_motion: 0.9, min_size: 0.05, edge: 0.1, evidence: false}
        gestures:
          fist: {hold: 1.0}
          ok: {max_motion: 2}
        arm: {gesture: open_palm, seconds: 4}
        bindings:
          fist: {key: mute}
          ok: {key: mute, hold: 0.2}
          point_up: {key: mute, max_motion: 0.5}
        """)
    settings = load_settings(path)
    assert settings.deliberate == DeliberateOptions(max_motion=0.9, min_size=0.05, edge=0.1, evidence=False)
    assert settings.arm == ArmOptions(gesture="open_palm", hold=1.0, seconds=4.0)
    timing = {binding.gesture: (binding.hold, binding.max_motion) for binding in settings.bindings}
    # The file's `gestures:` replaces the built-in per-gesture defaults as a whole.
    assert timing == {"fist": (1.0, 0.9), "ok": (0.2, 2.0), "point_up": (0.3, 0.5)}
