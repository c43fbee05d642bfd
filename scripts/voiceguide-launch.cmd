@echo off
rem What a voiceguide desktop shortcut runs on Windows (made by `voiceguide shortcut`):
rem   voiceguide-launch.cmd PYTHON ROUTINE
rem It plays the routine in the console window the shortcut opened; after a problem the window
rem stays open until a key is pressed, so its one-line message can be read.
set "python=%~1"
shift
"%python%" -m voiceguide play %1
if errorlevel 1 if not errorlevel 130 pause
