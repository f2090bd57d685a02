"""Accounts, role grants and the base models every registry row shares."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ArchivableQuerySet(models.QuerySet):
    def active(self) -> ArchivableQuerySet:
        return self.filter(archived_at__isnull=True)


class Archivable(models.Model):
    """Registry rows are never deleted: they are archived and keep their history."""

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class StoredPhoto(models.Model):
    """A photo as the apps keep it: the original as uploaded (staff only, EXIF kept) and
    the re-encoded copies served to everyone else (no metadata at all).

    Filled from :class:`gongzhi.core.photos.PhotoInfo` by
    :func:`gongzhi.core.photo_store.store_photo`; ``phash`` is the perceptual hash
    with which evidence checks find the same picture used twice.
    """

    original = models.FileField(_("original"), upload_to="photos/originals/%Y/%m/")
    public = models.FileField(_("public copy"), upload_to="photos/public/%Y/%m/")
    thumb = models.FileField(_("thumbnail"), upload_to="photos/thumbs/%Y/%m/")
    format = models.CharField(_("format"), max_length=8)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    phash = models.CharField(_("perceptual hash"), max_length=16, blank=True, db_index=True)
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    latitude = models.FloatField(_("latitude (EXIF)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (EXIF)"), null=True, blank=True)
    camera = models.CharField(_("camera (EXIF)"), max_length=80, blank=True)
    uploaded_by = models.ForeignKey(
        "core.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who logs in. What they may see and do comes from their grants."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    """The roles of DESIGN.md section 3."""

    OFFICE = "office", _("City office")
    LEADER = "leader", _("Leader")
    DISTRICT = "district", _("District officer")
    STREET = "street", _("Street officer")
    COMMUNITY = "community", _("Community staff")
    UNIT = "unit", _("Unit liaison")
    INSPECTOR = "inspector", _("Inspector")
    MEMBER = "member", _("Member")


# Which binding each role's grant must carry (see RoleGrant.Meta.constraints).
ROLE_BINDING: dict[str, str | None] = {
    Role.OFFICE: None,
    Role.LEADER: None,
    Role.DISTRICT: "district",
    Role.STREET: "street",
    Role.COMMUNITY: "community",
    Role.UNIT: "unit",
    Role.INSPECTOR: None,
    Role.MEMBER: "unit",
}


class RoleGrant(models.Model):
    """One role held by a user, bound to an area or a unit where the role needs one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    district = models.ForeignKey(
        "areas.District",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("district"),
    )
    street = models.ForeignKey(
        "areas.Street", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("street")
    )
    community = models.ForeignKey(
        "areas.Community",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("community"),
    )
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("unit")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                name="grant_binding_matches_role",
                condition=(
                    Q(
                        role__in=["office", "leader", "inspector"],
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        role="district",
                        district__isnull=False,
                        street__isnull=True,
                        community__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        role="street",
                        district__isnull=True,
                        street__isnull=False,
                        community__isnull=True,
                        unit__isnull=True,
                    )
                    | Q(
                        role="community",
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=False,
                        unit__isnull=True,
                    )
                    | Q(
                        role__in=["unit", "member"],
                        district__isnull=True,
                        street__isnull=True,
                        community__isnull=True,
                        unit__isnull=False,
                    )
                ),
            )
        ]

    def __str__(self) -> str:
        target = self.district or self.street or self.community or self.unit
        label = self.get_role_display()
        return f"{label} · {target}" if target else str(label)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "gz_" + secrets.token_urlsafe(32)

    def is_valid(self) -> bool:
        return self.expires_at is None or self.expires_at > timezone.now()
