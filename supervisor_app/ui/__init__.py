"""The PySide6 face of the app. The only package that imports Qt."""
