"""The agent's body: the outside world it sees and touches.

display.py (which X display; a private Xvfb), window.py (find and track the game window),
screen.py (capture the window as Frames), mouse.py (act with the real pointer, safely),
settle.py (wait until the window stops changing), live.py (LiveWindow: all of it as a Game).
pyautogui, mss and Xlib are imported lazily, and only in this package.
"""
