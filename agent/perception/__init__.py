"""Perception: what the agent sees in one frame, on the CPU, for any game.

    candidates(frame, settings)      clickable-thing proposals with boxes, descriptors, scores
    reground(target, frame)          find a stored Target again (moved, rescaled) or None
    ScreenStates(threshold)          incremental frame -> abstract screen id; signature/match
    diff(a, b) / wait_settled(grab)  did the screen change ("acted?"), has it stopped changing
    TextReader / with_text           OCR per region (rapidocr, lazy, cached); parse_number
    draw_marks / candidate_for_mark  set-of-marks overlay for a VLM and the way back
Settings live in PerceptionSettings. Modules import cv2/numpy only; display libraries never.
"""
