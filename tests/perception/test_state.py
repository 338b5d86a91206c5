"""Screen states: frames of one screen map together, different screens stay apart, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from agent.errors import ConfigError
from agent.perception.settings import PerceptionSettings
from agent.perception.state import ScreenStates, distance, signature
from tests.perception.synthetic import board_screen, menu_screen

THRESHOLD = PerceptionSettings().state_threshold


def test_numbers_and_cards_do_not_split_a_screen_but_screens_stay_apart():
    states = ScreenStates(THRESHOLD)
    boards = {states.observe(board_screen(variant=v).image) for v in range(6)}
    menus = {states.observe(menu_screen(variant=v).image) for v in range(6)}
    assert len(boards) == 1 and len(menus) == 1
    assert boards != menus


def test_threshold_is_really_used():
    strict = ScreenStates(1e-4)
    ids = {strict.observe(board_screen(variant=v).image) for v in range(4)}
    assert len(ids) > 1
    loose = ScreenStates(1.9)
    ids = {loose.observe(s.image) for s in (board_screen(), menu_screen())}
    assert len(ids) == 1


def test_signature_is_stable_across_window_sizes():
    _, a = signature(board_screen((1280, 720)).image)
    _, b = signature(board_screen((960, 540)).image)
    _, c = signature(menu_screen((1280, 720)).image)
    assert distance(a, b) < THRESHOLD < distance(a, c)


def test_lookup_returns_the_nearest_known_state_or_none():
    states = ScreenStates(THRESHOLD)
    board = states.observe(board_screen().image)
    menu = states.observe(menu_screen().image)
    assert states.lookup(board_screen(variant=4).image) == board
    assert states.lookup_vector(signature(menu_screen(variant=2).image)[1]) == menu
    noise = np.random.default_rng(1).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    assert states.lookup(noise) is None
    assert len(states) == 2  # looking up records nothing


def test_states_round_trip_through_json():
    states = ScreenStates(THRESHOLD)
    board_id = states.observe(board_screen().image)
    menu_id = states.observe(menu_screen().image)
    again = ScreenStates.from_json(states.to_json())
    assert again.lookup(board_screen(variant=3).image) == board_id
    assert again.lookup(menu_screen(variant=1).image) == menu_id
    assert again.count(board_id) == 1


@pytest.mark.parametrize(
    "text",
    ["{}", "not json", '{"schema_version": 99, "threshold": 0.1, "grid": [16, 9], "states": []}'],
)
def test_bad_state_files_are_config_errors(text):
    with pytest.raises(ConfigError):
        ScreenStates.from_json(text)


def test_bad_threshold_is_a_config_error():
    with pytest.raises(ConfigError):
        ScreenStates(0)


@pytest.mark.parametrize("shape", [(1, 1, 3), (720, 1280, 3), (3, 5000, 3)])
def test_degenerate_frames_have_signatures(shape):
    key, vector = signature(np.zeros(shape, np.uint8))
    assert isinstance(key, str) and vector.shape == (16 * 9 * 3,)
