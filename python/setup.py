# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""Builds semctl._semctl, the C fast path (see pyproject.toml for the rest).

The extension includes the kernel ABI header <linux/semctl.h> from the
tree's uapi/ (one level up), or from the system (libsemctl-dev's copy) when
built outside the tree."""
import os

from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
uapi = os.path.join(os.path.dirname(here), "uapi")
include_dirs = [uapi] if os.path.exists(os.path.join(uapi, "linux", "semctl.h")) else []

setup(
    ext_modules=[Extension(
        "semctl._semctl", ["src/_semctl.c"],
        include_dirs=include_dirs,
        extra_compile_args=["-std=gnu11", "-O2", "-Wall", "-Wextra",
                            "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
    )],
)
