"""Replay of the world model against actual Brent, June 2020 - December 2021 (README.md)."""
