#!/usr/bin/env bash
# Installs what dicomscrub needs to build and test on a fresh Debian 12 machine, and nothing when
# it is already there (safe to run every time). Debian packages via apt, build tools via pip.
set -euo pipefail
apt_packages=(g++ pkg-config libgdcm-dev libgdcm-tools libfmt-dev rapidjson-dev doctest-dev zlib1g-dev
              libssl-dev clang libfuzzer-14-dev libclang-rt-14-dev fonts-dejavu-core fonts-freefont-ttf
              libqpdf-dev qpdf libpoppler-cpp-dev poppler-utils libtesseract-dev tesseract-ocr-eng tesseract-ocr
              libdcmtk-dev dcmtk libcurl4-openssl-dev orthanc orthanc-dicomweb openssl curl iproute2 util-linux
              libicu-dev libseccomp-dev chromium dicom3tools)  # chromium: the review page (dicomscrub report) is tested in a headless browser;
                                     # dciodvfy, with dcmtk's storescu and orthanc, judges outputs (test_conformance.py);
                                     # libseccomp-dev: the media worker's system-call filter
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages (a few minutes on a fresh machine): ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
need_pip=()
command -v meson >/dev/null 2>&1 || need_pip+=(meson)
command -v ninja >/dev/null 2>&1 || need_pip+=(ninja)
python3 -c "import pydicom" >/dev/null 2>&1 || need_pip+=(pydicom)
python3 -c "import pytest" >/dev/null 2>&1 || need_pip+=(pytest)
python3 -c "import PIL" >/dev/null 2>&1 || need_pip+=(pillow)  # renders the burned-in test images
python3 -c "import distributed" >/dev/null 2>&1 || need_pip+=("dask[distributed]")
python3 -c "import pynetdicom" >/dev/null 2>&1 || need_pip+=(pynetdicom)  # sends malformed data sets to the gateway
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "setup: pip installing ${need_pip[*]}"
  python3 -m pip install -q "${need_pip[@]}"
  echo "setup: pip packages installed"
fi
