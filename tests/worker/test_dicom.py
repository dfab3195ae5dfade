"""DICOM decoding: windowing checked against the standard's formula, every refusal clear,
nothing from the dataset (patient data) in results, messages or logs."""

import logging
import warnings

import numpy as np
import pytest
from pydicom.uid import DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEG2000Lossless

from tests.fixtures.dicom import PATIENT, dicom_bytes
from worker.inputs.dicom import decode_dicom, looks_like_dicom
from worker.inputs.images import ImageRejected, decode_image

# 25 x 40 12-bit stored values; with slope 0.5 and intercept -1024 they span -224 .. 275.5,
# across the window 40 / 400 (which runs from -160 to 239) and past both of its ends.
STORED = (1600 + np.arange(25 * 40)).astype(np.uint16).reshape(25, 40)
SLOPE, INTERCEPT = 0.5, -1024.0
CENTER, WIDTH = 40.0, 400.0


def reference_linear_window(stored, slope, intercept, c, w) -> np.ndarray:
    """PS3.3 C.11.2.1.2.1 written out value by value, independently of worker.inputs.dicom."""
    out = np.empty(stored.shape, dtype=np.uint8)
    for index, s in np.ndenumerate(stored):
        x = float(s) * slope + intercept
        if x <= c - 0.5 - (w - 1) / 2:
            y = 0.0
        elif x > c - 0.5 + (w - 1) / 2:
            y = 255.0
        else:
            y = ((x - (c - 0.5)) / (w - 1) + 0.5) * (255 - 0) + 0
        out[index] = round(y)
    return out


def windowed_file(**extra) -> bytes:
    attributes = {
        "RescaleSlope": SLOPE,
        "RescaleIntercept": INTERCEPT,
        "WindowCenter": [CENTER, 400.0],  # multi-valued: the first pair is used
        "WindowWidth": [WIDTH, 2000.0],
    }
    attributes.update(extra)
    return dicom_bytes(STORED, bits_stored=12, **attributes)


def test_magic():
    data = windowed_file()
    assert looks_like_dicom(data)
    assert not looks_like_dicom(data[:131])
    assert not looks_like_dicom(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)


def test_monochrome2_rescale_then_window_matches_formula():
    decoded = decode_image(windowed_file())
    assert decoded.format == "DICOM"
    assert (decoded.width, decoded.height) == (40, 25)
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape == (25, 40, 1)
    expected = reference_linear_window(STORED, SLOPE, INTERCEPT, CENTER, WIDTH)
    np.testing.assert_array_equal(decoded.pixels[..., 0], expected)
    # Both ends of the window are reached and the ramp between them is used.
    assert decoded.pixels.min() == 0 and decoded.pixels.max() == 255
    assert len(np.unique(decoded.pixels)) > 200


def test_signed_pixels_and_implicit_vr():
    stored = np.linspace(-2000, 2000, 30 * 20).astype(np.int16).reshape(30, 20)
    data = dicom_bytes(
        stored,
        syntax=ImplicitVRLittleEndian,
        RescaleSlope=1,
        RescaleIntercept=0,
        WindowCenter=-100,
        WindowWidth=1500,
    )
    decoded = decode_dicom(data)
    expected = reference_linear_window(stored, 1.0, 0.0, -100.0, 1500.0)
    np.testing.assert_array_equal(decoded.pixels[..., 0], expected)


def test_window_other_functions():
    exact = decode_dicom(windowed_file(VOILUTFunction="LINEAR_EXACT")).pixels[..., 0]
    x = STORED * SLOPE + INTERCEPT
    np.testing.assert_array_equal(
        exact, np.rint(np.clip(((x - CENTER) / WIDTH + 0.5) * 255, 0, 255)).astype(np.uint8)
    )
    sigmoid = decode_dicom(windowed_file(VOILUTFunction="SIGMOID")).pixels[..., 0]
    np.testing.assert_array_equal(
        sigmoid, np.rint(255 / (1 + np.exp(-4 * (x - CENTER) / WIDTH))).astype(np.uint8)
    )


def test_monochrome1_is_inverted():
    mono2 = decode_dicom(windowed_file()).pixels
    mono1 = decode_dicom(windowed_file(PhotometricInterpretation="MONOCHROME1")).pixels
    np.testing.assert_array_equal(mono1, 255 - mono2)


def test_without_window_min_max():
    stored = np.array([[100, 200, 300], [400, 500, 1100]], dtype=np.uint16)
    decoded = decode_dicom(dicom_bytes(stored, RescaleSlope=3, RescaleIntercept=-50))
    x = stored * 3.0 - 50
    expected = np.rint((x - x.min()) / (x.max() - x.min()) * 255).astype(np.uint8)
    np.testing.assert_array_equal(decoded.pixels[..., 0], expected)
    flat = decode_dicom(dicom_bytes(np.full((4, 4), 7, np.uint16))).pixels
    assert flat.shape == (4, 4, 1) and (flat == 0).all()


def test_multi_frame_takes_first():
    frames = np.stack([np.full((6, 5), v, np.uint8) for v in (10, 200, 90)])
    frames[0, 0, 0] = 250  # the first frame is not flat, so min-max keeps its two levels
    decoded = decode_dicom(dicom_bytes(frames, frames=3))
    assert decoded.pixels.shape == (6, 5, 1)
    assert decoded.pixels[0, 0, 0] == 255 and (decoded.pixels[..., 0].ravel()[1:] == 0).all()


def test_rgb_exact():
    rgb = (np.random.default_rng(3).random((9, 7, 3)) * 255).astype(np.uint8)
    decoded = decode_dicom(dicom_bytes(rgb, photometric="RGB"))
    assert decoded.pixels.shape == (9, 7, 3)
    np.testing.assert_array_equal(decoded.pixels, rgb)


def refusal(data: bytes) -> str:
    with pytest.raises(ImageRejected) as info:
        decode_image(data)
    message = str(info.value)
    assert 10 < len(message) < 300
    for value in PATIENT.values():
        assert value not in message and "Doe" not in message
    return message


def test_compressed_syntax_refused_by_name():
    data = dicom_bytes(
        STORED, syntax=JPEG2000Lossless, encapsulated=[b"\xff\x4f\xff\x51 not really j2k"]
    )
    message = refusal(data)
    assert "compressed" in message and "JPEG 2000" in message and "uncompressed" in message


def test_deflated_refused_before_inflating():
    message = refusal(dicom_bytes(STORED, syntax=DeflatedExplicitVRLittleEndian))
    assert "Deflated" in message


def test_no_pixel_data_refused():
    assert refusal(dicom_bytes(None)) == "This DICOM file holds no image."


def test_random_bytes_after_preamble_refused():
    rng = np.random.default_rng(0)
    for seed_bytes in (rng.bytes(5000), rng.bytes(10), b""):
        refusal(b"\x00" * 128 + b"DICM" + seed_bytes)


def test_truncated_pixel_data_refused():
    assert "truncated" in refusal(windowed_file()[:-100])


def test_unsupported_photometric_refused():
    data = dicom_bytes(np.zeros((4, 4, 3), np.uint8), photometric="YBR_FULL")
    assert "YBR_FULL" in refusal(data)


@pytest.mark.parametrize(("rows", "columns"), [(20_000, 10), (8_000, 6_000)])
def test_size_limits_checked_before_decoding(rows, columns):
    # The header claims a huge image; the pixel data is tiny (never decoded).
    message = refusal(dicom_bytes(np.zeros((2, 2), np.uint8), Rows=rows, Columns=columns))
    assert "16384" in message or "40,000,000" in message


def test_patient_data_not_logged(caplog):
    # Malformed values make pydicom complain, quoting them; here the patient's name sits in
    # a field that decoding does read (the window centre), and a bad date elsewhere.
    data = dicom_bytes(STORED, PatientBirthDate="19700321", WindowCenter="12345678")
    assert data.count(b"12345678") == 1 and data.count(b"19700321") == 1
    data = data.replace(b"12345678", b"Doe^Jane").replace(b"19700321", b"1970-03-")
    caplog.clear()  # building the file above may itself warn
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        decoded = decode_image(data)
        with pytest.raises(ImageRejected):
            decode_image(data[:-100])
    assert decoded.pixels.shape == (25, 40, 1)  # the bad window counts as absent: min-max
    assert decoded.pixels.min() == 0 and decoded.pixels.max() == 255
    assert caplog.records == []
    assert not [w for w in caught if "Doe" in str(w.message) or "1970" in str(w.message)]
