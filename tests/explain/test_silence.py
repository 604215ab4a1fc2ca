"""Warnings for a Completed job that did nothing somewhere: which inputs and outputs, which hosts."""

from __future__ import annotations

from collections.abc import Mapping

from launcher.explain.silence import InputUse, OutputUse, silence_warnings


def use(mode: str = "File", sharded: bool = False, given: Mapping[str, int] | None = None,
        opened: Mapping[str, bool | None] | None = None) -> InputUse:
    return InputUse("data", mode, "/opt/ml/processing/input/data", sharded,
                    given or {"algo-1": 2, "algo-2": 2}, opened or {"algo-1": False, "algo-2": False})


def test_a_pipe_input_nobody_opened() -> None:
    assert silence_warnings((use("Pipe", sharded=True),), ()) == (
        "Pipe input 'data': the FIFO /opt/ml/processing/input/data/data_0 was never opened by any host "
        "(algo-1 and algo-2); 4 objects were never read",)


def test_a_replicated_input_read_by_one_host_is_fine_a_sharded_one_is_not() -> None:
    some = {"algo-1": True, "algo-2": False}
    assert silence_warnings((use(opened=some),), ()) == ()
    assert silence_warnings((use(sharded=True, opened=some),), ()) == (
        "input 'data': no file of it was opened by algo-2; the 2 files staged in /opt/ml/processing/input/data "
        "were never read",)
    assert silence_warnings((use(),), ()) == (
        "input 'data': no file of it was opened by any host (algo-1 and algo-2); the 2 files staged in "
        "/opt/ml/processing/input/data (a copy on each host) were never read",)


def test_hosts_given_nothing_and_unknown_opens_say_nothing() -> None:
    assert silence_warnings((use(sharded=True, given={"algo-1": 1, "algo-2": 0}, opened={"algo-1": True}),), ()) == ()
    assert silence_warnings((use(opened={"algo-1": False, "algo-2": None}),), ()) == ()
    assert silence_warnings((use(given={"algo-1": 0, "algo-2": 0}),), ()) == ()


def test_an_output_empty_on_every_host() -> None:
    empty = OutputUse("out", "/opt/ml/processing/output/out", "s3://b/out", {"algo-1": False, "algo-2": False})
    one = OutputUse("one", "/opt/ml/processing/output/one", "s3://b/one", {"algo-1": False})
    written = OutputUse("ok", "/opt/ml/processing/output/ok", "s3://b/ok", {"algo-1": False, "algo-2": True})
    assert silence_warnings((), (empty, one, written)) == (
        "output 'out': /opt/ml/processing/output/out is empty on every host (algo-1 and algo-2); nothing was "
        "uploaded to s3://b/out",
        "output 'one': /opt/ml/processing/output/one is empty on algo-1; nothing was uploaded to s3://b/one")
