"""Each deliberately broken image is caught by the rule that names its fault, and says what was seen.

The images are tests/check/images/*.Dockerfile: the kit's base image with one stdlib job (images/job.py)
whose fault each image's ENV switches on, and an arm64 image. Without --job the check runs the image's own
command with generated sample inputs, which this job reads.
"""

from __future__ import annotations

from pathlib import Path

from tests.check.conftest import BrokenImages, check, results
from tests.containers.conftest import image_tag

GRACE = ("--grace", "3")


def test_a_shell_form_entrypoint_fails_exec_form_and_sigterm(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("shell-form"), *GRACE)
    found = results(report)
    assert code == 1 and not report["passed"]
    assert found["exec-entrypoint"][0] == "fail"
    assert 'ENTRYPOINT is in shell form: ["/bin/sh", "-c", "python3 /opt/job.py"]' in found["exec-entrypoint"][1]
    assert found["sigterm"][0] == "fail"
    assert found["sigterm"][1] == ("PID 1 is the shell of /bin/sh -c 'python3 /opt/job.py', which has no SIGTERM "
                                   "handler and does not pass the signal on; it was still running 3 s later: killed "
                                   "(exit code 137)")
    assert "exec form" in str(found["sigterm"][2])
    assert found["exits-one-host"][0] == found["exits-two-hosts"][0] == "pass"  # the job itself works


def test_an_exec_form_job_without_a_sigterm_handler_fails_sigterm(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("no-handler"), *GRACE)
    found = results(report)
    assert code == 1
    assert found["exec-entrypoint"][0] == "pass"
    assert found["sigterm"][0] == "fail"
    assert found["sigterm"][1] == ("PID 1 (python3 /opt/job.py ...) has no SIGTERM handler, and a container's PID 1 "
                                   "ignores the signals it does not handle; it was still running 3 s later: killed "
                                   "(exit code 137)")
    assert "signal.signal(signal.SIGTERM" in str(found["sigterm"][2])


def test_a_non_root_user_fails_output_user(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("non-root"), *GRACE)
    found = results(report)
    assert code == 1
    assert found["output-user"][0] == "fail"
    assert found["output-user"][1].startswith("runs as nobody (uid 65534, gid 65534); writing into a root-owned "
                                              "0755 output folder failed: /bin/sh: 1: cannot create")
    assert "Permission denied" in found["output-user"][1]
    # and the job, run as SageMaker runs it, cannot write its output
    assert found["exits-one-host"][0] == "fail"
    assert "PermissionError" in found["exits-one-host"][1]


def test_an_arm64_image_fails_platform_and_is_not_run(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("arm64"), *GRACE)
    found = results(report)
    assert code == 1
    assert found["platform"][0] == "fail"
    assert found["platform"][1].startswith("linux/arm64")
    assert "--platform linux/amd64" in str(found["platform"][2])
    for rule in ("sigterm", "exits-one-host", "exits-two-hosts", "reads-local-paths", "writes-local-paths",
                 "missing-input-message"):
        assert found[rule] == ("n/a", "not run: the image is linux/arm64, and neither this engine nor SageMaker "
                                      "runs it", None), rule


def test_writes_outside_the_outputs_are_listed(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("writes-outside"), *GRACE)
    found = results(report)
    assert code == 1
    verdict, seen, fix = found["writes-local-paths"]
    assert verdict == "fail"
    assert seen == ("wrote 3 paths that SageMaker would not keep: /data (algo-1, algo-2), /data/result.csv "
                    "(algo-1, algo-2), /opt/ml/processing/result.csv (algo-1, algo-2)")
    assert fix is not None and "/opt/ml/processing/output/<name>" in fix
    assert found["exits-one-host"][0] == "pass"


def test_a_failure_without_a_message_is_flagged(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("no-message"), *GRACE)
    found = results(report)
    assert code == 1
    verdict, seen, _ = found["missing-input-message"]
    assert verdict == "fail"
    assert seen.startswith("exit code 1 without input 'data', but /opt/ml/output/message was not written")


def test_reading_training_paths_fails_reads_with_a_job_file(broken: BrokenImages, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for i in range(3):
        (data / f"part-{i}.csv").write_text(f"a,b\n{i},{i}\n")
    job = tmp_path / "job.yaml"
    job.write_text("image_uri: replaced-by-the-check\n"
                   "inputs: [{input_name: data, source: data, destination: /opt/ml/processing/input/data,\n"
                   "          s3_data_distribution_type: ShardedByS3Key}]\n"
                   "outputs: [{output_name: counts, source: /opt/ml/processing/output/counts, destination: out}]\n")
    code, report, _ = check(tmp_path, broken("training-paths"), *GRACE, "--job", str(job))
    found = results(report)
    assert code == 1
    assert report["job"] == str(job)
    verdict, seen, fix = found["reads-local-paths"]
    assert verdict == "fail"
    assert seen == ("input 'data' was given to the hosts and never read: 'data' read on 0 of 1 hosts given files "
                    "(1-host run), on 0 of 2 hosts given files (2-host run)")
    assert fix is not None and "no /opt/ml/input/data/<channel>" in fix
    assert found["exits-one-host"][0] == "pass"  # completing with nothing read is the very trap
    assert not (tmp_path / "out").exists(), "the check must not write to the job's own destinations"


def test_secrets_in_any_layer_are_named_with_their_layer(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("secrets"), *GRACE)
    verdict, seen, _ = results(report)["no-secrets"]
    assert code == 1
    assert verdict == "fail"
    assert "/root/.aws/credentials (an AWS access key id; layer 6: COPY file:" in seen
    assert "/root/.aws/credentials (an AWS secret access key; layer 6: COPY file:" in seen
    assert "/opt/deploy-key.pem (a private key; layer 7: COPY file:" in seen
    assert "/usr/local/share/pip-ca.crt (the host's CA bundle; layer 9: COPY file:" in seen


def test_an_image_over_the_size_limit_fails_image_size(tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, image_tag("base"), "--max-size-gb", "0.05")
    verdict, seen, _ = results(report)["image-size"]
    assert code == 1
    assert verdict == "fail"
    assert seen.endswith("GB in 4 layers (limit 0.05 GB)")


def test_a_good_image_passes_every_rule_it_can(broken: BrokenImages, tmp_path: Path) -> None:
    """The same job done right, long enough to be stopped: every rule passes, sigterm included."""
    code, report, stderr = check(tmp_path, broken("good"), *GRACE)
    found = results(report)
    assert code == 0 and report["passed"], stderr
    assert {rule: verdict for rule, (verdict, _, _) in found.items() if verdict != "pass"} == {}
    assert found["sigterm"][1].startswith("exited with code 143 ")
    assert found["reads-local-paths"][1] == ("'data' read on 1 of 1 hosts given files (1-host run), on 2 of 2 hosts "
                                             "given files (2-host run)")
    assert found["missing-input-message"][1] == ("exit code 4 without input 'data'; message: [algo-1] InputError: "
                                                 "no input 'data' (inputs: [])")


def test_hosts_writing_one_output_name_fail_on_two_hosts_only(broken: BrokenImages, tmp_path: Path) -> None:
    code, report, _ = check(tmp_path, broken("same-name"), *GRACE)
    found = results(report)
    assert code == 1
    assert found["exits-one-host"][0] == "pass"
    verdict, seen, fix = found["exits-two-hosts"]
    assert verdict == "fail"
    assert seen.startswith("Failed: ClientError: ") and "rows.txt" in seen and "algo-1" in seen and "algo-2" in seen
    assert fix is not None and "their own names" in fix


def test_a_pipe_input_whose_fifo_is_never_opened_fails_reads(broken: BrokenImages, tmp_path: Path) -> None:
    """The job globs *.csv in its input folder: in Pipe mode that folder holds a FIFO and a manifest, so it
    finds nothing and completes, as a real script did on SageMaker."""
    data = tmp_path / "data"
    data.mkdir()
    for i in range(2):
        (data / f"part-{i}.csv").write_text(f"a,b\n{i},{i}\n")
    job = tmp_path / "job.yaml"
    job.write_text("image_uri: replaced-by-the-check\n"
                   "inputs: [{input_name: data, source: data, destination: /opt/ml/processing/input/data,\n"
                   "          s3_input_mode: Pipe}]\n"
                   "outputs: [{output_name: counts, source: /opt/ml/processing/output/counts, destination: out}]\n")
    code, report, _ = check(tmp_path, broken("good"), *GRACE, "--job", str(job))
    found = results(report)
    assert code == 1
    assert found["exits-one-host"][0] == "pass"
    assert found["reads-local-paths"] == (
        "fail", "input 'data' was given to the hosts and never read: 'data' read on 0 of 1 hosts given files (1-host "
                "run), on 0 of 2 hosts given files (2-host run)", found["reads-local-paths"][2])
