"""Photos are accepted only when sane, and the copies we publish carry no EXIF at all."""

from __future__ import annotations

import hashlib
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageFile, PngImagePlugin, TiffImagePlugin

from gongzhi.core.photos import inspect_photo, public_copy, thumbnail

from .photo_samples import (
    SUIZHOU_LAT,
    SUIZHOU_LNG,
    camera_exif,
    camera_jpeg,
    encode,
    gradient,
    jpeg_padded_to,
    marked,
    noise,
    noisy_jpeg,
    png_claiming,
    taken_at_text,
    transparent_png,
    truncated,
)

TEN_MB = 10 * 1024 * 1024
SHANGHAI_OFFSET = timedelta(hours=8)
fast = hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def refusal(data: object, **limits: int) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        inspect_photo(data, **limits)  # type: ignore[arg-type]
    return caught.value


@pytest.fixture
def no_pixel_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to decode pixels fail the test: refusals must come from headers."""

    def refuse_to_decode(self: ImageFile.ImageFile) -> None:
        raise AssertionError(f"pixels of a {self.size} image were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    exif = image.getexif()
    assert dict(exif) == {}
    assert exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert exif.get_ifd(ExifTags.IFD.Exif) == {}
    assert "exif" not in image.info
    assert not {"xmp", "XML:com.adobe.xmp", "comment", "icc_profile"} & set(image.info)
    assert b"Huawei" not in data and b"2021:09:10" not in data


# -- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"Not a photo, just some text.\n",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
        encode(gradient(), "GIF"),
        encode(gradient(), "BMP"),
    ],
    ids=["text", "pdf", "gif", "bmp"],
)
def test_a_file_that_is_not_a_jpeg_png_or_webp_is_refused_as_not_an_image(
    data: bytes, no_pixel_decoding: None
) -> None:
    error = refusal(data)
    assert error.code == "not_image"
    assert error.messages == [
        "The file is not a photo: only JPEG, PNG and WebP images are accepted."
    ]


def test_an_empty_file_is_refused_with_its_own_message() -> None:
    error = refusal(b"")
    assert error.code == "empty"
    assert "empty" in error.messages[0]


@pytest.mark.parametrize(
    "data",
    [
        truncated(noisy_jpeg()),
        truncated(camera_jpeg(noise())),
        truncated(encode(gradient(), "PNG")),
    ],
    ids=["jpeg", "jpeg-with-exif", "png"],
)
def test_a_truncated_photo_is_refused_as_damaged(data: bytes) -> None:
    error = refusal(data)
    assert error.code == "damaged"
    assert error.messages == ["The photo is damaged or truncated and cannot be read completely."]


@fast
@given(data=st.data(), format=st.sampled_from(["JPEG", "WEBP"]))
def test_a_jpeg_or_webp_cut_short_anywhere_is_never_accepted(
    data: st.DataObject, format: str
) -> None:
    whole = noisy_jpeg(40, 30) if format == "JPEG" else encode(gradient(40, 30), "WEBP")
    cut = data.draw(st.integers(min_value=1, max_value=len(whole) - 1))
    assert refusal(whole[:cut]).code in {"not_image", "damaged"}


def test_a_png_whose_pixel_data_is_cut_short_is_refused() -> None:
    whole = encode(gradient(60, 40), "PNG")
    iend = whole.rindex(b"IEND") - 4  # the image data ends where the IEND chunk starts
    for cut in range(8, iend, 7):
        assert refusal(whole[:cut]).code in {"not_image", "damaged"}


def test_a_photo_just_over_10_mb_is_refused_with_its_size_before_decoding(
    no_pixel_decoding: None,
) -> None:
    data = jpeg_padded_to(TEN_MB + 1)
    error = refusal(data)
    assert error.code == "too_large"
    assert error.messages == ["The photo is too large: 10.1 MB, but at most 10 MB is allowed."]


def test_a_photo_of_exactly_10_mb_is_accepted() -> None:
    data = jpeg_padded_to(TEN_MB)
    assert len(data) == TEN_MB
    assert inspect_photo(data).size_bytes == TEN_MB


def test_an_upload_declaring_more_than_10_mb_is_refused_without_being_read() -> None:
    class HugeUpload(io.BytesIO):
        size = 25 * 1024 * 1024

        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("the upload was read")

    error = refusal(HugeUpload())
    assert error.messages == ["The photo is too large: 25 MB, but at most 10 MB is allowed."]


def test_a_stream_over_the_limit_is_refused_with_its_full_size() -> None:
    error = refusal(io.BytesIO(jpeg_padded_to(12 * 1024 * 1024)))
    assert error.code == "too_large"
    assert "12 MB" in error.messages[0]


def test_the_size_limit_comes_from_the_photo_max_bytes_setting(settings: object) -> None:
    data = noisy_jpeg()
    settings.PHOTO_MAX_BYTES = len(data) - 1  # type: ignore[attr-defined]
    assert refusal(data).code == "too_large"
    settings.PHOTO_MAX_BYTES = len(data)  # type: ignore[attr-defined]
    assert inspect_photo(data).size_bytes == len(data)


def test_a_decompression_bomb_is_refused_from_its_header_quickly(no_pixel_decoding: None) -> None:
    bomb = png_claiming(50_000, 50_000)
    assert len(bomb) < 10_000
    started = time.perf_counter()
    error = refusal(bomb)
    assert time.perf_counter() - started < 0.5
    assert error.code == "too_many_pixels"
    assert error.messages == [
        "The photo has too many pixels: 50000×50000, but at most 40 megapixels are allowed."
    ]


@fast
@given(
    width=st.integers(min_value=1, max_value=200_000),
    height=st.integers(min_value=1, max_value=200_000),
)
def test_any_header_claiming_more_than_40_megapixels_is_refused_naming_its_size(
    width: int, height: int
) -> None:
    if width * height <= 40_000_000:
        width = 40_000_001 // height + 1
    error = refusal(png_claiming(width, height))
    assert error.code == "too_many_pixels"
    assert f"{width}×{height}" in error.messages[0]


def test_the_pixel_limit_comes_from_the_photo_max_pixels_setting(settings: object) -> None:
    settings.PHOTO_MAX_PIXELS = 64 * 48 - 1  # type: ignore[attr-defined]
    assert refusal(camera_jpeg(gradient(64, 48))).messages == [
        "The photo has too many pixels: 64×48, but at most 0.003071 megapixels are allowed."
    ]


# -- what an accepted photo tells staff ---------------------------------------------------


def test_a_camera_jpeg_is_accepted_with_its_time_and_place() -> None:
    data = camera_jpeg(gradient(64, 48))
    info = inspect_photo(data)
    assert (info.format, info.mime_type, info.width, info.height) == ("JPEG", "image/jpeg", 64, 48)
    assert info.size_bytes == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.taken_at == datetime(2021, 9, 10, 7, 4, 5, tzinfo=UTC)
    assert info.taken_at is not None and info.taken_at.utcoffset() == SHANGHAI_OFFSET
    assert info.latitude == pytest.approx(SUIZHOU_LAT, abs=1e-6)
    assert info.longitude == pytest.approx(SUIZHOU_LNG, abs=1e-6)
    assert info.has_location
    assert (info.camera_make, info.camera_model) == ("Huawei", "P40")


def test_a_time_with_an_exif_offset_keeps_that_offset() -> None:
    info = inspect_photo(camera_jpeg(taken_at="2021:09:10 09:04:05", offset="+02:00"))
    assert info.taken_at == datetime(2021, 9, 10, 7, 4, 5, tzinfo=UTC)
    assert info.taken_at is not None and info.taken_at.utcoffset() == timedelta(hours=2)


def test_southern_and_western_references_give_negative_coordinates() -> None:
    info = inspect_photo(camera_jpeg(latitude=-33.8688, longitude=-70.65))
    assert info.latitude == pytest.approx(-33.8688, abs=1e-6)
    assert info.longitude == pytest.approx(-70.65, abs=1e-6)


def test_a_photo_without_exif_is_accepted_with_no_time_place_or_camera() -> None:
    info = inspect_photo(encode(gradient(), "PNG"))
    assert info.format == "PNG"
    assert info.taken_at is None
    assert (info.latitude, info.longitude) == (None, None)
    assert not info.has_location
    assert (info.camera_make, info.camera_model) == (None, None)


def test_an_impossible_exif_time_is_ignored_rather_than_refusing_the_photo() -> None:
    info = inspect_photo(camera_jpeg(taken_at="0000:00:00 00:00:00"))
    assert info.taken_at is None
    assert info.has_location


def test_gps_rationals_with_a_zero_denominator_mean_no_place() -> None:
    exif = camera_exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = tuple(TiffImagePlugin.IFDRational(0, 0) for _ in range(3))
    info = inspect_photo(encode(gradient(), "JPEG", exif=exif.tobytes()))
    assert (info.latitude, info.longitude) == (None, None)
    assert info.taken_at is not None


def test_the_digitised_time_is_used_when_the_original_time_is_missing() -> None:
    exif = camera_exif(taken_at=None)
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeDigitized] = "2021:09:24 14:30:00\x00"
    info = inspect_photo(encode(gradient(), "JPEG", exif=exif.tobytes()))
    assert info.taken_at == datetime(2021, 9, 24, 6, 30, tzinfo=UTC)


def test_a_multi_picture_jpeg_from_a_phone_is_accepted_as_a_jpeg() -> None:
    out = io.BytesIO()
    gradient(40, 30).save(
        out, "MPO", save_all=True, append_images=[marked(40, 30)], exif=camera_exif().tobytes()
    )
    info = inspect_photo(out.getvalue())
    assert (info.format, info.mime_type, info.has_location) == ("JPEG", "image/jpeg", True)
    assert_no_metadata(public_copy(out.getvalue()))


def test_an_uploaded_file_is_accepted_like_bytes() -> None:
    data = camera_jpeg()
    upload = SimpleUploadedFile("photo.jpg", data, content_type="image/jpeg")
    assert inspect_photo(upload) == inspect_photo(data)


@fast
@given(
    latitude=st.floats(min_value=-89.99, max_value=89.99),
    longitude=st.floats(min_value=-179.99, max_value=179.99),
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    format=st.sampled_from(["JPEG", "PNG", "WEBP"]),
)
def test_time_and_place_read_back_as_written_in_every_format(
    latitude: float, longitude: float, moment: datetime, format: str
) -> None:
    exif = camera_exif(latitude=latitude, longitude=longitude, taken_at=taken_at_text(moment))
    info = inspect_photo(encode(gradient(16, 12), format, exif=exif.tobytes()))
    assert info.format == format
    assert info.latitude == pytest.approx(latitude, abs=1e-5)
    assert info.longitude == pytest.approx(longitude, abs=1e-5)
    assert info.taken_at is not None
    assert info.taken_at.utcoffset() == SHANGHAI_OFFSET
    assert info.taken_at.replace(tzinfo=None) == moment.replace(microsecond=0)


# -- copies for the public ----------------------------------------------------------------


def test_the_public_copy_has_no_exif_gps_or_time_and_is_a_valid_photo() -> None:
    copy = public_copy(camera_jpeg())
    assert_no_metadata(copy)
    info = inspect_photo(copy)
    assert info.format == "JPEG"
    assert (info.taken_at, info.latitude, info.longitude, info.camera_make) == (None,) * 4


def test_the_thumbnail_has_no_metadata_and_is_a_small_jpeg() -> None:
    thumb = thumbnail(camera_jpeg(gradient(1000, 600)))
    assert_no_metadata(thumb)
    image = opened(thumb)
    assert image.format == "JPEG"
    assert image.size == (320, 192)


def test_a_rotated_camera_photo_comes_out_upright_in_the_public_copy_and_thumbnail() -> None:
    # Stored landscape with a red top-left corner; orientation 6 = turn 90° clockwise to view.
    data = camera_jpeg(marked(80, 40), orientation=6)
    for copy in (public_copy(data), thumbnail(data)):
        image = opened(copy).convert("RGB")
        assert image.size == (40, 80)
        red, green, blue = image.getpixel((image.width - 3, 2))  # type: ignore[misc]
        assert red > 200 and green < 80 and blue < 80
        red, green, blue = image.getpixel((2, 2))  # type: ignore[misc]
        assert min(red, green, blue) > 200


def test_a_photo_with_a_colour_profile_is_published_in_srgb_without_the_profile() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        marked(80, 40), "JPEG", icc_profile=srgb, exif=camera_exif(orientation=6).tobytes()
    )
    assert "icc_profile" in opened(data).info
    for copy in (public_copy(data), thumbnail(data)):
        assert_no_metadata(copy)
        image = opened(copy).convert("RGB")
        assert image.size == (40, 80)  # still turned upright
        red, green, blue = image.getpixel((image.width - 3, 2))  # type: ignore[misc]
        assert red > 200 and green < 80 and blue < 80


def test_a_large_jpeg_is_thumbnailed_quickly_by_decoding_it_at_a_reduced_scale() -> None:
    data = encode(gradient(6000, 4000), "JPEG", quality=90, exif=camera_exif().tobytes())
    started = time.perf_counter()
    thumb = thumbnail(data)
    assert time.perf_counter() - started < 1.0
    assert opened(thumb).size == (320, 213)


def test_a_png_with_transparency_stays_a_transparent_png() -> None:
    copy = public_copy(transparent_png())
    image = opened(copy)
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.getpixel((39, 29))[3] == 0  # type: ignore[index]
    assert image.getpixel((0, 0)) == (255, 0, 0, 255)


def test_an_opaque_png_with_text_and_exif_becomes_a_jpeg_without_them() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at 2021:09:10 by Huawei")
    data = encode(gradient().convert("RGBA"), "PNG", pnginfo=text, exif=camera_exif().tobytes())
    assert inspect_photo(data).has_location
    copy = public_copy(data)
    assert_no_metadata(copy)
    assert opened(copy).format == "JPEG"


def test_a_transparent_png_with_metadata_loses_it_in_the_public_copy() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "Huawei")
    image = opened(transparent_png())
    copy = public_copy(encode(image, "PNG", pnginfo=text, exif=camera_exif().tobytes()))
    assert_no_metadata(copy)
    assert opened(copy).format == "PNG"


def test_the_public_copy_is_limited_to_2560_pixels_on_its_longest_edge() -> None:
    copy = opened(public_copy(encode(gradient(3000, 1000), "JPEG")))
    assert copy.size == (2560, 853)


def test_public_copy_and_thumbnail_refuse_what_inspect_photo_refuses() -> None:
    for make_copy in (public_copy, thumbnail):
        with pytest.raises(ValidationError):
            make_copy(b"%PDF-1.7")
        with pytest.raises(ValidationError):
            make_copy(png_claiming(50_000, 50_000))


@fast
@given(
    width=st.integers(min_value=1, max_value=700),
    height=st.integers(min_value=1, max_value=700),
    format=st.sampled_from(["JPEG", "PNG", "WEBP"]),
    mode=st.sampled_from(["RGB", "L", "RGBA", "P", "CMYK"]),
    max_edge=st.integers(min_value=16, max_value=800),
)
def test_copies_are_metadata_free_bounded_and_never_enlarged(
    width: int, height: int, format: str, mode: str, max_edge: int
) -> None:
    image = gradient(width, height, mode)
    writable = {
        "JPEG": {"RGB", "L", "CMYK"},
        "PNG": {"RGB", "L", "RGBA", "P"},
        "WEBP": {"RGB", "RGBA"},
    }
    if mode not in writable[format]:
        image = image.convert("RGB")
    data = encode(image, format, exif=camera_exif().tobytes())
    copy, thumb = public_copy(data, max_edge=max_edge), thumbnail(data, size=max_edge // 2 + 1)
    for made, edge in ((copy, max_edge), (thumb, max_edge // 2 + 1)):
        assert_no_metadata(made)
        result = opened(made)
        assert max(result.size) <= min(edge, max(width, height))
        assert max(result.size) >= min(edge, max(width, height)) - 1
    assert opened(copy).format == "JPEG"  # the gradient is opaque, whatever its mode
    assert opened(thumb).format == "JPEG"


def test_a_library_that_turns_on_truncated_loading_cannot_let_a_cut_file_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES when imported; the checks undo it."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ValidationError):
        inspect_photo(truncated(noisy_jpeg()))
