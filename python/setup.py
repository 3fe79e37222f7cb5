"""setup.py — the build steps of the omen-sqlite wheel that pyproject.toml cannot declare.

pyproject.toml holds the metadata; this file adds what depends on the repository:

  1. The version is the repository's VERSION file (../VERSION), the one place it
     is kept; the wheel, omen_sqlite.__version__ and omen_version() all carry it.
  2. The extension is built by the repository's Makefile, never by rules of our
     own: $OMEN_SO when set (`make wheel` passes $(OUT)/omen.so, already up to
     date), otherwise `make -C <repo> build/omen.so` (make rebuilds only what is
     out of date).  build_py copies it into the package as omen_sqlite/omen.so
     (with `strip --strip-debug` when strip exists: 3.8 MB -> under 1 MB) and
     writes omen_sqlite/_version.py, both in setuptools' build folder only.
  3. The wheel is tagged py3-none-<platform> (e.g. py3-none-linux_x86_64): the
     module is a SQLite extension, not a CPython extension (it never includes
     Python.h), so any Python 3 on that platform can load it; it is not pure
     (Root-Is-Purelib: false) because it holds machine code.
  4. Nothing is written into the source tree: setuptools' build/ and
     *.egg-info go to $OMEN_BUILD_DIR (`make wheel`: $(OUT)/wheel/tmp), by
     default <repo>/build/python, which .gitignore already covers.

Environment: OMEN_SO, OMEN_BUILD_DIR (absolute, or relative to the repository
root), MAKE (default make).
"""

import os
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # only `setup.py sdist` and the like can do without python3-wheel
    bdist_wheel = None

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def repo_path(path):
    return path if os.path.isabs(path) else os.path.join(REPO, path)


def read_version():
    path = os.path.join(REPO, "VERSION")
    try:
        with open(path, encoding="utf-8") as f:
            version = f.read().strip()
    except OSError as e:
        raise SystemExit("omen-sqlite: cannot read %s (%s): build the wheel from a clone of the "
                         "omen repository (make wheel)" % (path, e.strerror))
    if not version:
        raise SystemExit("omen-sqlite: %s is empty" % path)
    return version


def extension_path():
    """The omen.so to bundle: $OMEN_SO, or build/omen.so made by the Makefile (behaviour 2)."""
    so = os.environ.get("OMEN_SO")
    if so:
        so = repo_path(so)
    else:
        so = os.path.join(REPO, "build", "omen.so")
        make = os.environ.get("MAKE", "make")
        subprocess.run([make, "-C", REPO, "--no-print-directory", "build/omen.so"], check=True)
    if not os.path.isfile(so):
        raise SystemExit("omen-sqlite: no extension at %s (run make in the repository first)" % so)
    return so


class BinaryDistribution(Distribution):
    """Holds machine code: installed to platlib, the wheel not pure (behaviour 3)."""

    def has_ext_modules(self):
        return True


class BuildPyWithExtension(build_py):
    """build_py, plus omen.so and _version.py in the build folder (never in python/)."""

    def run(self):
        super().run()
        pkg = os.path.join(self.build_lib, "omen_sqlite")
        os.makedirs(pkg, exist_ok=True)
        dest = os.path.join(pkg, "omen.so")
        shutil.copyfile(extension_path(), dest)
        strip = shutil.which("strip")
        if strip:
            subprocess.run([strip, "--strip-debug", dest], check=True)
        os.chmod(dest, 0o755)
        with open(os.path.join(pkg, "_version.py"), "w", encoding="utf-8") as f:
            f.write('"""Written when the wheel was built, from the repository\'s VERSION file."""\n\n')
            f.write("__version__ = %r\n" % self.distribution.get_version())


cmdclass = {"build_py": BuildPyWithExtension}

if bdist_wheel is not None:

    class BdistWheelPlatform(bdist_wheel):
        """Tag py3-none-<platform>: platform-specific, any Python 3 (behaviour 3)."""

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = BdistWheelPlatform

scratch = repo_path(os.environ.get("OMEN_BUILD_DIR") or os.path.join("build", "python"))
os.makedirs(scratch, exist_ok=True)  # egg_info insists that egg_base exists

setup(
    version=read_version(),
    distclass=BinaryDistribution,
    cmdclass=cmdclass,
    options={
        "build": {"build_base": os.path.join(scratch, "build")},
        "egg_info": {"egg_base": scratch},
    },
)
