"""Session history in a real SQLite file: recording, streaks, pain per routine, CSV, and trouble."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from collections import Counter

import pytest

from test_cli import voiceguide
from voiceguide.userdata import paths
from voiceguide.userdata.history import History, HistoryUnavailable

UTC = dt.timezone.utc


class Calendar:
    """A wall clock the test moves by hand."""

    def __init__(self, start: dt.datetime):
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at


def session(history: History, calendar: Calendar, day: dt.datetime, routine: str = "lower-back", *,
            minutes: int = 20, before: int | None = None, after: int | None = None, finished: bool = True) -> int:
    calendar.at = day
    session_id = history.start(routine, routine.title(), 10, pain_before=before)
    calendar.at = day + dt.timedelta(minutes=minutes)
    history.finish(session_id, finished=finished, steps_completed=10 if finished else 4,
                   skipped=[] if finished else ["Knead"], commands=Counter({"pause": 2, "next": 1}),
                   pain_after=after)
    return session_id


def test_sessions_are_kept_with_what_happened_and_come_back_newest_first(tmp_path):
    calendar = Calendar(dt.datetime(2026, 3, 1, 9, tzinfo=UTC))
    history = History(tmp_path / "history.sqlite3", now=calendar)
    session(history, calendar, dt.datetime(2026, 3, 1, 9, tzinfo=UTC), before=6, after=4)
    session(history, calendar, dt.datetime(2026, 3, 2, 20, tzinfo=UTC), "neck", finished=False)
    history.close()
    reopened = History(tmp_path / "history.sqlite3", now=calendar)  # a new process reads the same file
    newest, oldest = reopened.sessions()
    assert (newest.routine, newest.finished, newest.steps_completed, newest.skipped) == ("neck", False, 4, ["Knead"])
    assert (oldest.routine, oldest.pain_before, oldest.pain_after, oldest.pain_change) == ("lower-back", 6, 4, -2)
    assert oldest.commands == {"next": 1, "pause": 2}
    assert oldest.ended - oldest.started == dt.timedelta(minutes=20)


def test_a_session_cut_short_is_still_there_without_an_end(tmp_path):
    history = History(tmp_path / "history.sqlite3")
    history.start("lower-back", "Lower back", 10)
    history.close()  # the process died here
    (record,) = History(tmp_path / "history.sqlite3").sessions()
    assert record.ended is None and not record.finished


def test_the_streak_counts_days_in_a_row_up_to_today_or_yesterday(tmp_path):
    calendar = Calendar(dt.datetime(2026, 3, 10, 12, tzinfo=UTC))
    history = History(tmp_path / "history.sqlite3", now=calendar)
    assert history.streak() == 0
    for day in (3, 5, 6, 7, 7, 8):  # a gap after the 3rd; two sessions on the 7th count once
        session(history, calendar, dt.datetime(2026, 3, day, 8, tzinfo=UTC))
    calendar.at = dt.datetime(2026, 3, 9, 12, tzinfo=UTC)
    assert history.streak() == 4  # 5th to 8th: today has no session yet, so it runs to yesterday
    calendar.at = dt.datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert history.streak() == 0  # a whole day missed


def test_average_pain_change_per_routine_counts_only_rated_sessions(tmp_path):
    calendar = Calendar(dt.datetime(2026, 3, 1, tzinfo=UTC))
    history = History(tmp_path / "history.sqlite3", now=calendar)
    session(history, calendar, dt.datetime(2026, 3, 1, 9, tzinfo=UTC), before=6, after=3)
    session(history, calendar, dt.datetime(2026, 3, 2, 9, tzinfo=UTC), before=5, after=4)
    session(history, calendar, dt.datetime(2026, 3, 3, 9, tzinfo=UTC), before=5)  # no rating after
    session(history, calendar, dt.datetime(2026, 3, 3, 19, tzinfo=UTC), "neck")
    summaries = {summary.routine: summary for summary in history.by_routine()}
    assert (summaries["lower-back"].sessions, summaries["lower-back"].rated) == (3, 2)
    assert summaries["lower-back"].average_pain_change == pytest.approx(-2.0)
    assert summaries["neck"].average_pain_change is None


def test_csv_export_has_every_session_oldest_first(tmp_path):
    calendar = Calendar(dt.datetime(2026, 3, 1, tzinfo=UTC))
    history = History(tmp_path / "history.sqlite3", now=calendar)
    session(history, calendar, dt.datetime(2026, 3, 1, 9, tzinfo=UTC), before=7, after=5)
    session(history, calendar, dt.datetime(2026, 3, 2, 9, tzinfo=UTC), "neck", finished=False)
    text = io.StringIO()
    history.export_csv(text)
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert [row["routine"] for row in rows] == ["lower-back", "neck"]
    assert (rows[0]["pain_before"], rows[0]["pain_after"], rows[0]["finished"]) == ("7", "5", "1")
    assert (rows[1]["pain_before"], rows[1]["skipped"], rows[1]["commands"]) == ("", "Knead", "next=1;pause=2")
    assert rows[0]["started"] == "2026-03-01T09:00:00+00:00"


def test_a_damaged_file_is_reported_in_one_line_and_left_as_it_was(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"these are someone's notes, not a database" * 100)
    with pytest.raises(HistoryUnavailable, match="damaged"):
        History(path).sessions()
    assert path.read_bytes() == b"these are someone's notes, not a database" * 100


def test_a_locked_database_is_reported_not_waited_on_forever(tmp_path):
    path = tmp_path / "history.sqlite3"
    History(path).sessions()  # create it
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryUnavailable, match="locked"):
            History(path).start("lower-back", "Lower back", 10)
    finally:
        holder.close()


def test_play_records_the_session_and_history_shows_it():
    played = voiceguide("play", "lower-back", "--text", stdin="next\nnext\nstop\nstop\n")
    assert played.returncode == 0, played.stderr
    shown = voiceguide("history")
    assert shown.returncode == 0, shown.stderr
    assert "lower-back: 0 of 10 steps, stopped" in shown.stdout
    assert "Streak: 1 day in a row." in shown.stdout
    exported = list(csv.DictReader(io.StringIO(voiceguide("history", "--csv").stdout)))
    assert len(exported) == 1 and exported[0]["commands"] == "next=2;stop=2" and exported[0]["ended"]


def test_a_damaged_history_never_stops_a_session():
    path = paths.data_dir() / "history.sqlite3"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00garbage" * 512)
    played = voiceguide("play", "lower-back", "--text", stdin="stop\nstop\n")
    assert played.returncode == 0
    warnings = [line for line in played.stderr.splitlines() if "history" in line]
    assert len(warnings) == 1 and "damaged" in warnings[0] and "not recorded" in warnings[0]
    assert "Traceback" not in played.stderr
    assert path.read_bytes() == b"\x00garbage" * 512
    shown = voiceguide("history")
    assert shown.returncode == 2 and shown.stderr.count("\n") == 1 and "damaged" in shown.stderr


def _history_with_damaged_rows(path) -> None:
    calendar = Calendar(dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    history = History(path, calendar)
    session(history, calendar, dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    session(history, calendar, dt.datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    history.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE sessions SET started = 'the day before yesterday' WHERE id = 1")
    db.execute("INSERT INTO sessions (routine, title, started, steps_total, skipped, commands) "
               "VALUES ('neck', 'Neck', '2026-03-04T08:00:00', 'ten', 'not json', '[1]')")  # hand-written
    db.close()


def test_rows_that_cannot_be_read_are_left_out_with_one_warning(tmp_path):
    path = paths.data_dir() / "history.sqlite3"
    path.parent.mkdir(parents=True)
    _history_with_damaged_rows(path)
    before = path.read_bytes()
    shown = voiceguide("history")
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    assert shown.stdout.count("lower-back: 10 of 10 steps") == 1 and "neck" not in shown.stdout, shown.stdout
    assert shown.stderr == (f"voiceguide: warning: 2 damaged session(s) in {path} could not be read and are left "
                            "out (the file is left as it is)\n")
    exported = voiceguide("history", "--csv")
    assert exported.returncode == 0 and len(list(csv.DictReader(io.StringIO(exported.stdout)))) == 1
    assert path.read_bytes() == before  # looking never writes


def test_an_absurd_number_of_sessions_asked_for_is_all_of_them():
    played = voiceguide("play", "lower-back", "--text", stdin="stop\nstop\n")
    assert played.returncode == 0, played.stderr
    shown = voiceguide("history", "--last", "99999999999999999999")
    assert shown.returncode == 0 and "lower-back: 0 of 10 steps, stopped" in shown.stdout, shown.stderr


def test_looking_at_the_history_never_writes_to_it(tmp_path):
    """Looking opens the file read-only: nothing is written (as on a read-only disk)."""
    path = paths.data_dir() / "history.sqlite3"
    path.parent.mkdir(parents=True)
    calendar = Calendar(dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    history = History(path, calendar)
    session(history, calendar, dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    history.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA user_version = 0")  # as a first version would have left it: a write would change it back
    db.close()
    before = path.read_bytes()
    shown = voiceguide("history")
    assert shown.returncode == 0 and "lower-back: 10 of 10 steps" in shown.stdout, shown.stderr
    assert path.read_bytes() == before


def _weeks_of_sessions() -> None:
    """Five weeks of two routines, the pain going down, in the user's own history file."""
    calendar = Calendar(dt.datetime(2026, 10, 5, 8, tzinfo=UTC))
    history = History(paths.data_dir() / "history.sqlite3", now=calendar)
    start = dt.datetime(2026, 10, 5, 8, tzinfo=UTC)  # a Monday
    for day in (0, 2, 4, 7, 9, 21, 23, 25, 28, 29, 30):
        pain = 7 - day // 7
        session(history, calendar, start + dt.timedelta(days=day), before=pain, after=pain - 2)
    session(history, calendar, start + dt.timedelta(days=3), "upper-back")
    history.close()


def test_sessions_per_week_counts_every_week_including_the_empty_ones():
    from voiceguide.app.history_chart import sessions_per_week

    _weeks_of_sessions()
    history = History(paths.data_dir() / "history.sqlite3", read_only=True)
    weeks = sessions_per_week(history.sessions())
    history.close()
    assert list(weeks) == ["Lower-Back", "Upper-Back"]
    assert list(weeks["Lower-Back"].values()) == [3, 2, 0, 3, 3]  # the week of the 19th had none
    assert list(weeks["Upper-Back"].values()) == [1, 0, 0, 0, 0]
    assert all(week.weekday() == 0 for week in weeks["Lower-Back"])


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_history_chart_draws_weeks_and_pain_per_routine(tmp_path, suffix):
    _weeks_of_sessions()
    chart = tmp_path / f"how-it-goes{suffix}"
    shown = voiceguide("history", "--chart", str(chart))
    assert shown.returncode == 0 and f"drew {chart}" in shown.stdout, shown.stderr
    assert "Recent sessions:" in shown.stdout  # the text history is still printed
    content = chart.read_bytes()
    if suffix == ".png":
        assert content.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
        assert (width, height) == (1000, 700)
    else:
        text = content.decode()
        for label in ("Sessions per week", "Pain before (open) and after (filled)", "Lower-Back: before",
                      "Lower-Back: after", "Upper-Back"):
            assert label in text


def test_a_chart_in_an_unknown_format_or_with_no_sessions_is_one_line(tmp_path):
    empty = voiceguide("history", "--chart", str(tmp_path / "chart.png"))
    assert empty.returncode == 2 and "no sessions yet" in empty.stderr and "Traceback" not in empty.stderr
    _weeks_of_sessions()
    wrong = voiceguide("history", "--chart", str(tmp_path / "chart.pdf"))
    assert wrong.returncode == 2 and "name a .png or .svg file" in wrong.stderr
    assert not (tmp_path / "chart.pdf").exists() and not (tmp_path / "chart.png").exists()
