"""Font files embedded in certificate PDFs (data only; see README.md for origin and licences).

A package so that setuptools ships the ``*.ttf``/``*.ttc`` files and licence texts with the project.
"""
