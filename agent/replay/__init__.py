"""Replay of recorded sessions (`bottomup replay ...`), with no display and no network.

reader    Replay: a recording's steps as typed records, its frames, its damage (read-only)
game      ReplayGame: agent.types.Game over the recorded frames
agreement does a decided action agree with the recorded one
summary / html / video   the terminal summary, the self-contained HTML report, the MP4 export
redecide  run a policy over the recorded frames, report agreement step by step
rerun     re-execute a recording against a live game, re-grounding targets, stop at divergence
learn     feed recorded transitions through a learner into a library
"""
