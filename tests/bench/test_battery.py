"""gestured.bench.battery: the idle account and the ratios, on scripted CPU readings."""

from __future__ import annotations

import pytest

from gestured.bench.battery import BatteryResult, _DaemonAccount, summarise_battery
from gestured.capture.frames import Frame


class ScriptedGate:
    """Awake before `awake_until` s of media time, idle after."""

    def __init__(self, awake_until: float) -> None:
        self.awake_until = awake_until

    def awake(self, now: float) -> bool:
        return now < self.awake_until


def frame(timestamp: float) -> Frame:
    import numpy as np

    return Frame(np.zeros((2, 2, 3), np.uint8), timestamp, int(timestamp * 30))


def test_idle_account_counts_from_each_idle_frame_to_the_next() -> None:
    readings = iter([0.0, 0.5, 0.51, 0.52, 0.53, 0.54])  # CPU seconds at each frame, then at the end
    result = BatteryResult("static", has_hand=False)
    account = _DaemonAccount(ScriptedGate(awake_until=0.1), result, cpu=lambda: next(readings))
    for timestamp in (0.0, 0.05, 0.1, 0.2, 0.3):  # awake, awake, then idle checks every 0.1 s
        account.after_frame(frame(timestamp))
    account.finish(0.4)
    # 0.5 s of CPU went into the awake frames; the three idle frames cost 0.01 s each.
    assert result.idle_cpu == pytest.approx(0.03) and result.idle_seconds == pytest.approx(0.3)
    assert result.delivered == 5


def test_ratios_and_the_worst_demo_latency() -> None:
    demo = BatteryResult("demo", True, media_seconds=3.0, full_cpu=1.5, daemon_cpu=0.6,
                         fires=[{"gesture": "thumbs_up", "t": 0.3, "latency_ms": 310.0},
                                {"gesture": "thumbs_down", "t": 2.5, "latency_ms": 360.0}])
    asl = BatteryResult("asl", True, media_seconds=3.0, full_cpu=1.5, daemon_cpu=0.3)
    static = BatteryResult("static", False, media_seconds=10.0, full_cpu=5.0, daemon_cpu=0.4,
                           idle_cpu=0.04, idle_seconds=8.0)
    report = summarise_battery([demo, asl, static])
    assert report["cpu_fraction_full"] == 0.5 and report["cpu_fraction_full_static"] == 0.5
    assert report["cpu_fraction_active"] == 0.15 and report["active_ratio"] == 0.3
    assert report["cpu_fraction_idle"] == 0.005 and report["idle_ratio"] == 0.01
    assert report["fire_latency_ms"] == 360.0
    assert [clip["name"] for clip in report["battery_clips"]] == ["demo", "asl", "static"]
