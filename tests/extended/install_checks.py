#!/usr/bin/env python3
"""What `meson install` gives a user: installs the build tree into a temporary DESTDIR, then builds
examples/c_example.c and examples/cpp_example.cpp against the installed tree only (pkg-config
dicomscrub / dicomscrub-cpp, shared and static), runs each on a sample, and checks that the four
give byte-identical outputs where they should. Usage: install_checks.py BUILD_DIR SOURCE_ROOT"""
import json
import os
import subprocess
import sys
import tempfile

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"


def run(cmd, env=None, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} -> {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


def main():
    build, root = sys.argv[1:3]
    failures = []
    options = {o["name"]: o["value"] for o in json.loads(run(["meson", "introspect", "--buildoptions", build]).stdout)}
    version = json.loads(run(["meson", "introspect", "--projectinfo", build]).stdout)["version"]
    prefix, libdir, incdir = options["prefix"], options["libdir"], options["includedir"]
    sample = os.path.join(root, "tests", "data", "phi", "Quixote_Zebulon", "CT_Zebulon_1.dcm")
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, "dest")
        run(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"])
        lib = os.path.join(dest, prefix.lstrip("/"), libdir if not os.path.isabs(libdir) else libdir.lstrip("/"))
        inc = os.path.join(dest, prefix.lstrip("/"), incdir, "dicomscrub")
        expected = [os.path.join(inc, h) for h in ("dicomscrub.h", "version.h", "tag.hpp", "error.hpp", "dataset.hpp",
                                                   "reader.hpp", "writer.hpp", "deid.hpp", "batch.hpp")]
        expected += [os.path.join(lib, f) for f in ("libdicomscrub.so", "libdicomscrub.a", "libdicomscrub-cpp.so",
                                                    "libdicomscrub-cpp.a", "libdicomscrub_media.so", "dicomscrub-media",
                                                    "pkgconfig/dicomscrub.pc", "pkgconfig/dicomscrub-cpp.pc")]
        for path in expected:
            if not os.path.exists(path):
                failures.append(f"not installed: {os.path.relpath(path, dest)}")
        version_h = open(os.path.join(inc, "version.h")).read() if os.path.exists(os.path.join(inc, "version.h")) else ""
        if f'#define DICOMSCRUB_VERSION "{version}"' not in version_h:
            failures.append(f"version.h does not carry the project version {version}")
        if failures:
            print("\n".join(failures))
            return 1

        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(lib, "pkgconfig"), PKG_CONFIG_SYSROOT_DIR=dest)
        env.pop("PKG_CONFIG_LIBDIR", None)

        def pc(*args):
            return run(["pkg-config", *args], env=env).stdout.split()

        key = os.path.join(tmp, "k.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write(KEY)
        examples = os.path.join(root, "examples")
        # Nothing from the source tree on the include path: only what was installed.
        def static_link(package):
            """The package's own library from its archive, the rest (system libraries) as usual."""
            own = "-l" + package
            libs = pc("--libs", "--static", package)
            if own not in libs:
                failures.append(f"pkg-config --libs {package} does not name {own}: {libs}")
            return ["-Wl,-Bstatic", own, "-Wl,-Bdynamic"] + [f for f in libs if f != own]

        builds = {
            "c_shared": ["cc", "-std=c99", os.path.join(examples, "c_example.c"), *pc("--cflags", "--libs", "dicomscrub")],
            "c_static": ["cc", "-std=c99", os.path.join(examples, "c_example.c"), *pc("--cflags", "dicomscrub"),
                         *static_link("dicomscrub")],
            "cpp_shared": ["c++", os.path.join(examples, "cpp_example.cpp"), *pc("--cflags", "--libs", "dicomscrub-cpp")],
            "cpp_static": ["c++", os.path.join(examples, "cpp_example.cpp"), *pc("--cflags", "dicomscrub-cpp"),
                           *static_link("dicomscrub-cpp")],
        }
        run_env = dict(os.environ, LD_LIBRARY_PATH=lib)
        outputs = {}
        for name, cmd in builds.items():
            exe = os.path.join(tmp, name)
            p = run(cmd + ["-o", exe], check=False)
            if p.returncode != 0:
                failures.append(f"{name}: does not build against the installed tree: {' '.join(cmd)}\n{p.stderr[-2000:]}")
                continue
            needed = run(["readelf", "-d", exe]).stdout
            shared_lib = "libdicomscrub-cpp.so" if name.startswith("cpp") else "libdicomscrub.so"
            if name.endswith("_static") and shared_lib in needed:
                failures.append(f"{name}: linked against {shared_lib}, not the archive")
            if name.endswith("_shared") and shared_lib not in needed:
                failures.append(f"{name}: does not use {shared_lib}")
            out = os.path.join(tmp, "out-" + name)
            if name.startswith("c_"):
                p = run([exe, key, sample, out], env=run_env, check=False)
                written = p.stdout.split("written: ", 1)[1].strip() if p.stdout.startswith("written: ") else ""
                path = os.path.join(out, written) if written else ""
            else:
                os.makedirs(out)
                path = os.path.join(out, "out.dcm")
                p = run([exe, sample, path], env=run_env, check=False)
            print(f"{name}: exit {p.returncode}: {p.stdout.strip()} {p.stderr.strip()}")
            if p.returncode != 0 or not path or not os.path.isfile(path):
                failures.append(f"{name}: did not write its output ({p.returncode}: {p.stdout} {p.stderr})")
                continue
            outputs[name] = open(path, "rb").read()
        # The same input, key and options give the same bytes whichever way the library was linked.
        if "c_shared" in outputs and "c_static" in outputs and outputs["c_shared"] != outputs["c_static"]:
            failures.append("c_example: shared and static outputs differ")
        if "cpp_shared" in outputs and "cpp_static" in outputs and outputs["cpp_shared"][128:132] != b"DICM":
            failures.append("cpp_example: output is not a Part 10 file")
    print("\n".join(failures) if failures else f"install: ok ({len(expected)} files installed, 4 example builds ran)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
