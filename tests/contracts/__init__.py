"""Tests of the contracts every layer shares."""
