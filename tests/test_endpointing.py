"""The endpointer's rules, on frames whose voicing the test decides (b"v" voiced, b"." quiet)."""

from __future__ import annotations

import pytest

from voiceguide.listening.endpointing import QUIET_SHARE, WINDOW_SECONDS, Endpointer

FRAME_SECONDS = 0.03
WINDOW = round(WINDOW_SECONDS / FRAME_SECONDS)


def endpointer() -> Endpointer:
    return Endpointer(lambda frame: frame == b"v", frame_bytes=1, frame_seconds=FRAME_SECONDS)


def test_the_first_voiced_frame_opens_an_utterance_with_the_audio_just_before_it():
    points = endpointer()
    assert [points.process(b".") for _ in range(20)] == [None] * 20
    assert not points.in_speech
    assert points.process(b"v") == b"." * (WINDOW - 1) + b"v"
    assert points.in_speech
    assert points.speech_start == pytest.approx((21 - WINDOW) * FRAME_SECONDS)


def test_within_an_utterance_every_frame_is_passed_on_at_once_and_a_short_gap_keeps_it_open():
    points = endpointer()
    points.process(b"v")
    word = b"vvvv...vvv"  # the closure before the "p" of "stop" is a short quiet stretch
    assert [points.process(bytes([frame])) for frame in word] == [bytes([frame]) for frame in word]
    assert points.in_speech


def test_it_closes_when_the_window_is_mostly_quiet_passing_on_the_closing_frame():
    points = endpointer()
    for frame in b"vvvvvvvvvv":
        points.process(bytes([frame]))
    quiet_to_close = round(QUIET_SHARE * WINDOW)
    passed = [points.process(b".") for _ in range(quiet_to_close)]
    assert passed == [b"."] * quiet_to_close
    assert not points.in_speech
    assert points.process(b".") is None


def test_closed_by_the_listener_it_opens_again_on_the_next_voiced_frame():
    points = endpointer()
    points.process(b".")
    points.process(b"v")
    points.end()
    assert not points.in_speech
    assert points.process(b".") is None
    assert points.process(b"v") == b".v"
    assert points.speech_start == pytest.approx(2 * FRAME_SECONDS)  # the quiet frame after the end


def test_audio_is_cut_into_whole_frames_whatever_the_chunks():
    points = Endpointer(lambda frame: True, frame_bytes=4, frame_seconds=FRAME_SECONDS)
    assert points.whole_frames(b"abcdef") == [b"abcd"]
    assert points.whole_frames(b"gh") == [b"efgh"]
    assert points.whole_frames(b"ijklmnopq") == [b"ijkl", b"mnop"]
    assert points.whole_frames(b"") == []
