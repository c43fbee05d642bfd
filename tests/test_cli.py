"""The `voiceguide` command run for real, as a user runs it: subprocesses, pipes, a terminal, Ctrl-C."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
import pty
import re
import select
import signal
import subprocess
import sys
import time

import pytest

from conftest import DATA, ROOT, write_user_config

TINY = str(DATA / "tiny.yaml")
FAST = ["--rate", "400", "--text"]


def voiceguide(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voiceguide", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, env=os.environ.copy())


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Live:
    """A running voiceguide whose output is read as it comes (from a pipe or a terminal)."""

    def __init__(self, *args: str, terminal: bool = False, env: dict | None = None, own_group: bool = False,
                 ignoring_interrupts: bool = False):
        """`ignoring_interrupts`: started as from `nohup` or a background job, with SIGINT ignored."""
        self.output = ""
        env = dict(env or os.environ, COLUMNS="120", LINES="40")
        if terminal:
            self.master, slave = pty.openpty()
            self.process = subprocess.Popen([sys.executable, "-m", "voiceguide", *args], stdin=slave,
                                            stdout=slave, stderr=slave, cwd=ROOT, env=env, close_fds=True)
            os.close(slave)
            self.read_fd = self.master
        else:
            self.process = subprocess.Popen([sys.executable, "-m", "voiceguide", *args], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
                                            start_new_session=own_group, preexec_fn=_ignore_interrupts
                                            if ignoring_interrupts else None)
            self.read_fd = self.process.stdout.fileno()

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        """Read until `pattern` (a regex) appears in the output; returns the output so far."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"never saw {pattern!r}; output was:\n{self.output}")
            ready, _, _ = select.select([self.read_fd], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.read_fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    if not re.search(pattern, self.output):
                        raise AssertionError(f"ended before {pattern!r}; output was:\n{self.output}")
                    break
                self.output += chunk.decode("utf-8", "replace")
        return self.output

    def send(self, text: str) -> None:
        if self.read_fd == getattr(self, "master", None):
            os.write(self.master, text.encode())
        else:
            self.process.stdin.write(text.encode())
            self.process.stdin.flush()

    def finish(self, timeout: float = 30) -> int:
        try:
            self.wait_for(r"\Z.", timeout=timeout)  # read to the end
        except AssertionError:
            pass
        return self.process.wait(timeout=timeout)


def test_list_show_validate_config_and_help():
    listing = voiceguide("list")
    assert listing.returncode == 0
    assert re.search(r"^lower-back\s+Ten techniques for chronic lumbar pain\s+\(10 steps, ~\d+ min", listing.stdout, re.M)
    shown = voiceguide("show", "lower-back")
    assert "3. Push [push]: 30 to 50 times at 1.5 s each" in shown.stdout
    assert "Cautions (spoken before it starts):" in shown.stdout
    valid = voiceguide("validate", *[str(p) for p in (ROOT / "voiceguide" / "routines").glob("*.yaml")])
    assert valid.returncode == 0 and valid.stdout.count("ok: ") == 4
    assert "speech:\n  voice: ''\n  rate: 160" in voiceguide("config").stdout
    for command in ("list", "show", "validate", "play", "config"):
        helped = voiceguide(command, "--help")
        assert helped.returncode == 0 and "usage: voiceguide" in helped.stdout


def test_bad_input_gives_clear_lines_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: Bad Id\ntitle: x\nsteps:\n  - name: Push\n    instruction: Push.\n    reps: {count: 0}\n")
    result = voiceguide("validate", str(bad), TINY)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:1: id: use lower-case letters, digits and dashes only (like 'lower-back')",
        f"{bad}:6: steps[1].reps.count: must be between 1 and 1000 (got 0)",
    ]
    assert f"ok: {TINY}" in result.stdout
    missing = voiceguide("play", "lowerback")
    assert missing.returncode == 2
    assert missing.stderr.strip() == ("voiceguide: error: no routine called 'lowerback'; did you mean "
                                      "'lower-back'? `voiceguide list` shows them all.")
    config = tmp_path / "c.yaml"
    config.write_text("speech:\n  rate: fast\n")
    broken = voiceguide("--config", str(config), "list")
    assert broken.returncode == 2
    assert broken.stderr.strip() == f"voiceguide: error: {config}:2: speech.rate: must be a whole number, not the text 'fast'"
    flag = voiceguide("play", "--tempo", "0")
    assert flag.returncode == 2 and "must be between 0.3 and 10 seconds" in flag.stderr
    for finished in (result, missing, broken, flag):
        assert "Traceback" not in finished.stderr


def test_play_runs_a_routine_to_the_end_with_typed_commands():
    live = Live("play", TINY, *FAST)
    live.wait_for(r"Pressure should never hurt\.")
    live.send("pause\n")
    live.wait_for(r"> pause: Paused\.")
    live.send("how many left\n")
    live.wait_for(r"We are still on the safety points\. Then 2 steps")
    live.send("resume\n")
    live.wait_for(r"Ready, and")
    live.send("zap\n")
    assert live.finish() == 0
    out = live.output
    assert "voiceguide: unknown command 'zap'" in out
    assert re.search(r"  1\n(.*\n)*?  \(?2\)?\n", out)
    assert "That completes the routine. Well done." in out
    assert out.rstrip().endswith("2 of 2 steps done.")
    # a finished session leaves no saved place, and counts towards 'brief after the first sessions'
    state = os.environ["XDG_STATE_HOME"]
    assert not os.path.exists(f"{state}/voiceguide/places/tiny.json")
    assert json.load(open(f"{state}/voiceguide/sessions.json")) == {"tiny": 1}


def test_safety_points_in_full_at_first_and_when_they_change_then_a_reminder_with_help_reading_them(tmp_path):
    """Title, three cautions and a hint took 35 s before step 1 of every session."""
    write_user_config("full_sessions: 0\n")
    routine = tmp_path / "tiny.yaml"
    routine.write_text((DATA / "tiny.yaml").read_text())

    def opening(then: str = "") -> str:
        live = Live("play", str(routine), *FAST, "--restart")
        live.wait_for(r"Step 1 of 2: Press\.|Step 1: Press\.")
        live.send(then + "stop\nstop\n")
        assert live.finish() == 0
        return live.output

    first = opening()
    assert "First, some safety points.\n  Pressure should never hurt." in first and "anything hurts" not in first
    second = opening(then="help\n")
    assert "Tiny test routine.\n  Stop if anything hurts.\n  You can type pause at any time, or type help to " \
           "hear every command and the safety points." in second, second
    assert "Safety points. Pressure should never hurt. You can type: pause" in second, second
    assert second.count("  Pressure should never hurt.") == 0, second  # only in the answer to help
    routine.write_text(routine.read_text().replace("Pressure should never hurt.", "Stop at any sharp pain."))
    assert "First, some safety points.\n  Stop at any sharp pain." in opening()
    assert "Stop if anything hurts." in opening()
    write_user_config("full_sessions: 0\ncautions: full\n")
    assert "Stop at any sharp pain." in opening()


def test_ctrl_c_ends_cleanly_and_the_place_is_kept():
    live = Live("play", TINY, *FAST)
    live.wait_for(r"Ready, and")
    live.wait_for(r"\n  \(?2\)?\n")
    live.process.send_signal(signal.SIGINT)
    assert live.finish() == 130
    assert "voiceguide: interrupted. Your place is saved: play the routine again to carry on." in live.output
    assert "Traceback" not in live.output
    saved = json.load(open(f"{os.environ['XDG_STATE_HOME']}/voiceguide/places/tiny.json"))
    assert saved["anchor"] == "press" and saved["progress"] >= 2
    again = Live("play", "--resume", TINY, *FAST)
    again.wait_for(r"Carrying on from where you stopped\.\n  Step 1 of 2: Press\.\n  Press gently\.\n  From \d\.\n  Ready, and")
    assert again.finish() == 0
    assert f"From {int(saved['progress'])}." in again.output


def test_a_state_folder_that_cannot_be_written_costs_a_line_not_the_summary():
    """The place and the count of sessions cannot be written (here a folder stands where each file
    goes; as root, permissions would not stop anything): play runs to its end and says so."""
    state = Path(os.environ["XDG_STATE_HOME"]) / "voiceguide"
    (state / "places" / "tiny.json").mkdir(parents=True)
    (state / "sessions.json").mkdir(parents=True)
    result = voiceguide("play", TINY, *FAST, "--restart", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("2 of 2 steps done."), result.stdout
    assert "voiceguide: cannot save your place" in result.stderr
    assert "voiceguide: cannot note the finished session in" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_place_file_is_reported_and_kept():
    places = Path(os.environ["XDG_STATE_HOME"]) / "voiceguide" / "places"
    places.mkdir(parents=True)
    (places / "tiny.json").write_text('{"format": 1, "part": 2, "segm', encoding="utf-8")
    result = voiceguide("play", "--resume", TINY, *FAST, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    kept = list(places.glob("tiny.json.*.corrupt"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == '{"format": 1, "part": 2, "segm'
    assert (f"voiceguide: {places / 'tiny.json'} could not be read (damaged: not valid JSON); it is kept as {kept[0].name}, and the session starts from the beginning"
            in result.stderr), result.stderr


def test_devices_pipes_and_endless_files_are_refused_in_one_line(tmp_path):
    """Reading /dev/zero once grew to gigabytes, and a FIFO hung: neither is a routine or a config."""
    fifo = tmp_path / "routine.yaml"
    os.mkfifo(fifo)
    for args in (["validate", "/dev/zero"], ["play", "/dev/zero", "--text"], ["validate", str(fifo)],
                 ["--config", "/dev/zero", "list"], ["--config", str(fifo), "list"]):
        result = voiceguide(*args, timeout=30)
        assert result.returncode in (1, 2) and "Traceback" not in result.stderr, (args, result.stderr)
        assert "is not a regular file (a device, pipe or socket); give a file" in result.stderr, (args, result.stderr)
    listed = voiceguide("model", "download", "--list-url", "file:///dev/zero", "vosk-model-small-en-us-0.15", timeout=30)
    assert listed.returncode == 2 and "is too large" in listed.stderr, listed.stderr


def test_a_config_file_named_on_purpose_must_exist(tmp_path):
    result = voiceguide("--config", str(tmp_path / "nosuch.yaml"), "list")
    assert result.returncode == 2 and result.stderr == f"voiceguide: error: {tmp_path / 'nosuch.yaml'}: no such file\n"


def test_emoji_written_as_surrogate_pairs_show_and_a_lone_surrogate_is_refused(tmp_path):
    tiny = Path(TINY).read_text(encoding="utf-8")
    pairs = tmp_path / "pairs.yaml"
    pairs.write_text(tiny.replace("title: Tiny test routine", 'title: "Tiny \\ud83d\\udc86 routine"'), encoding="utf-8")
    shown = voiceguide("show", str(pairs))
    assert shown.returncode == 0 and shown.stdout.startswith("Tiny \U0001f486 routine\n"), shown.stderr
    lone = tmp_path / "lone.yaml"
    lone.write_text(tiny.replace("instruction: Keep still.", 'instruction: "Keep \\ud800 still."'), encoding="utf-8")
    checked = voiceguide("validate", str(lone))
    assert checked.returncode == 1 and checked.stderr == (
        f"{lone}:17: not valid YAML: a broken character: a lone UTF-16 surrogate (\\ud800-\\udfff)\n"), checked.stderr


def test_a_process_stopped_and_continued_pauses_where_it_was():
    """Ctrl-Z then fg (here SIGSTOP, SIGCONT): the counts due meanwhile are not fired all at once;
    the session pauses at the count it had reached and says so, and resume carries on from there."""
    live = Live("play", TINY, *FAST, "--restart")
    live.wait_for(r"\n  \(?1\)?\n")
    live.process.send_signal(signal.SIGSTOP)
    time.sleep(3.0)  # the process is stopped: nothing of it runs
    live.process.send_signal(signal.SIGCONT)
    shown = live.wait_for(r"We were interrupted\. Paused at count (\d) of \d\.")
    reached = int(re.search(r"We were interrupted\. Paused at count (\d)", shown).group(1))
    assert reached <= 2 and not re.search(rf"\n  \(?{reached + 1}\)?\n", shown), shown
    live.send("resume\n")
    assert live.finish() == 0
    assert live.output.rstrip().endswith("2 of 2 steps done.") and "Traceback" not in live.output


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "SIGINT from a shell that ignores it"])
def test_a_signal_ends_play_like_ctrl_c_with_the_place_and_history_kept(how):
    live = Live("play", TINY, *FAST, "--restart", ignoring_interrupts=how.startswith("SIGINT"))
    live.wait_for(r"\n  \(?2\)?\n")
    live.process.send_signal(getattr(signal, how.split()[0]))
    assert live.finish() == 130
    assert "voiceguide: interrupted. Your place is saved: play the routine again to carry on." in live.output
    assert "Traceback" not in live.output
    saved = json.load(open(f"{os.environ['XDG_STATE_HOME']}/voiceguide/places/tiny.json"))
    assert saved["anchor"] == "press" and saved["progress"] >= 2
    history = voiceguide("history", "--csv")
    rows = list(csv.DictReader(history.stdout.splitlines()))
    assert len(rows) == 1 and rows[0]["ended"] and rows[0]["finished"] == "0", history.stdout  # the row is closed


def test_ctrl_c_during_start_up_is_one_line():
    for delay in (0.05, 0.15, 0.3):
        process = subprocess.Popen([sys.executable, "-m", "voiceguide", "play", TINY, *FAST, "--restart"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, cwd=ROOT)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130 and "Traceback" not in err, (delay, err)
        assert "voiceguide: interrupted" in err, (delay, err)


def test_escape_codes_in_a_routine_never_reach_the_terminal(tmp_path):
    tiny = Path(TINY).read_text(encoding="utf-8")
    sneaky = tmp_path / "sneaky.yaml"
    sneaky.write_text(tiny.replace("title: Tiny test routine", 'title: "Tiny\\e[2J\\e]0;owned\\a routine"')
                      .replace("instruction: Keep still.", 'instruction: "Keep\\x9b31m still."'), encoding="utf-8")
    for args in (["show", str(sneaky)], ["play", str(sneaky), *FAST, "--restart"], ["list"]):
        result = voiceguide(*args, timeout=120)
        assert result.returncode == 0, result.stderr
        assert not any(char in result.stdout + result.stderr for char in "\x1b\x07\x9b"), (args, result.stdout)
    assert "Tiny[2J]0;owned routine" in voiceguide("show", str(sneaky)).stdout


def test_a_trace_on_a_full_disk_costs_one_line_not_the_session():
    result = voiceguide("play", TINY, *FAST, "--restart", "--trace", "/dev/full", timeout=120)
    assert result.returncode == 0 and result.stdout.rstrip().endswith("2 of 2 steps done."), result.stderr
    assert result.stderr == ("voiceguide: cannot write the trace (No space left on device); the session goes on "
                             "without it\n"), result.stderr


def test_no_command_shows_a_short_help_with_a_command_that_works_here():
    result = voiceguide()
    assert result.returncode == 0 and result.stderr == "", result.stderr
    run = ".venv/bin/voiceguide"  # where the install puts it, not on PATH: the help must say so
    assert f"  {run} play " in result.stdout and f"  {run} list " in result.stdout, result.stdout
    assert "say \"pause\"" in result.stdout
    listed = subprocess.run([ROOT / run, "list"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert listed.returncode == 0 and "lower-back" in listed.stdout


def test_without_a_microphone_the_prompts_ask_for_what_works():
    live = Live("play", TINY, *FAST, "--restart")
    live.wait_for(r"You can type pause at any time, or type help to hear every command\.")
    live.send("pause\n")
    live.wait_for(r"Paused\. Type resume when you are ready\.")
    live.send("stop\n")
    live.wait_for(r"Do you want to end the session\? Type stop to end it")
    live.send("stop\n")
    assert live.finish() == 0 and "Say " not in live.output, live.output


def test_terminal_view_and_keys():
    live = Live("play", TINY, *FAST, terminal=True)
    live.wait_for(r"Safety first")
    live.wait_for(r"keys  space pause/resume")
    live.send(" ")
    live.wait_for(r"\[PAUSED\]")
    live.send("n")  # next point while paused: plays on
    live.wait_for(r"last command  next")
    live.send("n")
    live.wait_for(r"Step 1 of 2 · Press")
    live.wait_for(r"Count \d of 4 · 0\.4 s each")
    live.send("q")
    live.wait_for(r"\[STOP\? press q again\]")
    live.send("q")
    assert live.finish() == 0
    assert "Session ended. Your place is saved." in live.output
    # nobody is listening (--text): the prompts name the keys, never a voice command
    assert "You can press space at any time, or press h to hear every command." in live.output
    assert "Say " not in live.output
    assert re.search(r"0 of 2 steps done\. Your place is saved", live.output)


def test_saved_place_is_offered_on_a_terminal():
    first = Live("play", TINY, *FAST)
    first.wait_for(r"\n  \(?3\)?\n")
    first.process.send_signal(signal.SIGINT)
    assert first.finish() == 130
    live = Live("play", TINY, *FAST, terminal=True)
    live.wait_for(r"Welcome back\. Last time you stopped at step 1, Press, at count \d")
    live.send(" ")  # space answers "resume"
    live.wait_for(r"From \d\.")
    live.send("qq")
    assert live.finish() == 0


@pytest.mark.parametrize("argv", [["play", "--resume", "--restart"], ["play", "--intensity", "max"]])
def test_bad_flags(argv):
    result = voiceguide(*argv)
    assert result.returncode == 2 and "usage: voiceguide play" in result.stderr
