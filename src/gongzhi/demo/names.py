"""Fictional people for the demo: names and phone numbers made up from fixed lists."""

from __future__ import annotations

SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN_NAMES = [
    "建华",
    "秀英",
    "志强",
    "丽娟",
    "海涛",
    "晓燕",
    "国庆",
    "红梅",
    "文斌",
    "静怡",
    "德明",
    "春兰",
    "振宇",
    "雪梅",
    "家豪",
    "慧敏",
    "永刚",
    "玉兰",
    "子涵",
    "立新",
    "桂芳",
    "明辉",
    "淑珍",
    "俊杰",
    "晓丽",
    "伟东",
    "凤英",
    "浩然",
    "美玲",
    "学军",
    "思远",
    "翠萍",
    "保国",
    "婷婷",
    "长江",
    "秋菊",
    "少华",
    "雨欣",
    "宏伟",
    "小琴",
]


def person_name(n: int) -> str:
    """The ``n``-th fictional name; consecutive numbers give different names."""
    return SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN_NAMES[n % len(GIVEN_NAMES)]


def mobile(n: int) -> str:
    """A fictional 11-digit mobile number."""
    return f"1397222{n % 10000:04d}"


def landline(n: int) -> str:
    """A fictional Suizhou (0722) office number."""
    return f"0722-3{(n * 37) % 1000000:06d}"
