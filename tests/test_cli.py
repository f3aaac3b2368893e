"""`replycrew draft` and `replycrew batch` as a user runs them: real subprocesses, offline engine."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES
from tests.test_batch_runner import sample_without_websites

THREAD = ("Rep (Jordan Lee): Hi Mateus, worth a quick look?\n"
          "Mateus Oliveira: Happy to do a 30 min demo next Thursday. Can you send an invite?")


def replycrew(*args: str, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATA_DIR": str(cwd / "data"), "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, timeout=60)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode())


def test_draft_prints_the_draft_and_a_step_table(tmp_path: Path) -> None:
    (tmp_path / "thread.txt").write_bytes(THREAD.replace("Mateus", "Mateus Müller").encode("cp1252"))
    done = replycrew("draft", "thread.txt", "--channel", "email", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Subject:") and "Hi Mateus" in done.stdout
    table = [line.split() for line in done.stdout.splitlines() if line.split()[:1] in
             (["profile"], ["analysis"], ["reply"])]
    assert [row[0] for row in table] == ["profile", "analysis", "reply"]
    assert all(row[1] == "ok" and row[2] == "offline" for row in table)


def test_draft_reads_a_json_request_from_stdin(tmp_path: Path) -> None:
    body = json.dumps({"conversation_thread": THREAD, "channel": "linkedin", "mode": "fast"})
    done = replycrew("draft", "-", cwd=tmp_path, stdin=body.encode())
    assert done.returncode == 0, done.stderr
    assert "fast" in done.stdout.splitlines()[-2]  # the total line names the mode


def test_draft_refuses_bad_input_with_a_readable_error(tmp_path: Path) -> None:
    bad = replycrew("draft", "-", "--channel", "fax", cwd=tmp_path, stdin=THREAD.encode())
    assert bad.returncode == 2 and "unsupported channel 'fax'" in bad.stderr
    assert "Traceback" not in bad.stderr
    empty = replycrew("draft", "-", cwd=tmp_path, stdin=b"  \n")
    assert empty.returncode == 2 and "conversation_thread is empty" in empty.stderr
    missing = replycrew("draft", "no-such-file.txt", cwd=tmp_path)
    assert missing.returncode == 2 and "cannot read no-such-file.txt" in missing.stderr


def test_batch_writes_results_for_every_row_and_prints_the_metrics(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(sample_without_websites())  # no outside fetches
    done = replycrew("batch", "in.csv", "-o", "out.csv", "--concurrency", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = dict(line.split("  ", 1) for line in done.stdout.splitlines() if "  " in line)
    assert summary["total requests"].strip() == "40"
    assert summary["successful"].strip() == "35" and summary["failed"].strip() == "5"
    assert summary["throughput"].strip().endswith("requests/second")
    assert "row 15: channel: unsupported channel 'fax'" in done.stdout
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 40
    assert [row["status"] for row in rows].count("ok") == 35
    assert [i + 1 for i, row in enumerate(rows) if row["status"] == "error"] == [7, 15, 22, 30, 36]
    assert rows[29]["conversation_thread"].startswith("'=HYPERLINK(")
    assert all(row["draft"] and int(row["ms"]) >= 0 for row in rows if row["status"] == "ok")


def test_batch_rejects_a_bad_header_before_any_work(tmp_path: Path) -> None:
    done = replycrew("batch", str(SAMPLES / "batch_bad_header.csv"), "-o", "out.csv", cwd=tmp_path)
    assert done.returncode == 2
    assert "Missing: conversation_thread, channel" in done.stderr and "Unknown: thread, chanel" in done.stderr
    assert not (tmp_path / "out.csv").exists()


async def test_batch_resumes_an_interrupted_run_of_the_same_file(tmp_path: Path) -> None:
    from bot.cli.batch import batch_id_for
    from engine.batch.csv_io import read_batch_csv
    from engine.batch.runner import BatchProgress, BatchRunner
    from engine.build import build_engine
    from engine.settings import EngineSettings

    data = sample_without_websites()
    (tmp_path / "in.csv").write_bytes(data)
    defaults = {"mode": "parallel", "use_templates": False}
    engine = build_engine(EngineSettings(data_dir=tmp_path / "data"))  # the store the CLI opens
    runner = BatchRunner(engine, batch_id=batch_id_for(data, defaults))

    def stop_after_ten(progress: BatchProgress) -> None:
        if progress.done >= 10:
            runner.cancel()

    runner.on_progress = stop_after_ten
    first = await runner.run(read_batch_csv(data, defaults=defaults).items, scope="cli:local",
                             max_concurrent=1)
    await engine.store.close()
    assert first.metrics["status"] == "cancelled" and first.metrics["cancelled_requests"] == 30

    done = replycrew("batch", "in.csv", "-o", "out.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "10 of 40 rows were finished by an earlier run" in done.stderr
    summary = dict(line.split("  ", 1) for line in done.stdout.splitlines() if "  " in line)
    assert summary["resumed"].strip() == "10" and summary["successful"].strip() == "35"
