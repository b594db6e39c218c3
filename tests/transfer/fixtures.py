"""Import files in every format, with hashes computed by the reference libraries for known passwords."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import pathlib
from typing import Any

import bcrypt
from argon2 import PasswordHasher
from passlib import hash as libpass

PASSWORD = "correct horse battery staple"
FIREBASE_PARAMS = """hash_config {
  algorithm: SCRYPT,
  base64_signer_key: jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==,
  base64_salt_separator: Bw==,
  rounds: 8,
  mem_cost: 14,
}
"""
# github.com/firebase/scrypt README sample: this hash and salt are "user1password" under the parameters above
FIREBASE_SAMPLE = {
    "passwordHash": "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
    "salt": "42xEC+ixf3L2lw==",
}
FIREBASE_PASSWORD = "user1password"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def bcrypt_hash(password: str = PASSWORD) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


def auth0_users() -> list[dict[str, Any]]:
    salt = os.urandom(16)
    pb = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 1000, 32)
    sc = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=1024, r=8, p=1, dklen=64)
    return [
        {"email": "bc@example.com", "email_verified": True, "username": "bc", "password_hash": bcrypt_hash()},
        {
            "email": "ar@example.com",
            "custom_password_hash": {
                "algorithm": "argon2",
                "hash": {"value": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)},
            },
            "user_metadata": {"plan": "gold"},
            "blocked": False,
        },
        {
            "email": "pb@example.com",
            "custom_password_hash": {
                "algorithm": "pbkdf2",
                "hash": {"value": f"$pbkdf2-sha256$i=1000,l=32${b64(salt).rstrip('=')}${b64(pb).rstrip('=')}"},
            },
        },
        {
            "email": "sha@example.com",
            "custom_password_hash": {
                "algorithm": "sha256",
                "hash": {"value": hashlib.sha256(PASSWORD.encode() + salt).hexdigest(), "encoding": "hex"},
                "salt": {"value": salt.hex(), "encoding": "hex", "position": "suffix"},
            },
        },
        {
            "email": "sc@example.com",
            "custom_password_hash": {
                "algorithm": "scrypt",
                "hash": {"value": b64(sc), "encoding": "base64"},
                "salt": {"value": b64(salt), "encoding": "base64"},
                "keylen": 64,
                "cost": 1024,
            },
        },
        {
            "email": "ldap@example.com",
            "custom_password_hash": {"algorithm": "ldap", "hash": {"value": libpass.ldap_salted_sha1.hash(PASSWORD)}},
        },
    ]


def keycloak_user(username: str, algorithm: str, key_len: int = 64) -> dict[str, Any]:
    salt = os.urandom(16)
    if algorithm == "argon2":
        hasher = PasswordHasher(time_cost=2, memory_cost=7168, parallelism=1, hash_len=32, salt_len=16)
        phc = hasher.hash(PASSWORD, salt=salt)
        value = base64.b64decode(phc.rsplit("$", 1)[1] + "==")
        secret = {"value": b64(value), "salt": b64(salt)}
        data = {
            "hashIterations": 2,
            "algorithm": "argon2",
            "additionalParameters": {
                "hashLength": ["32"],
                "memory": ["7168"],
                "type": ["id"],
                "version": ["1.3"],
                "parallelism": ["1"],
            },
        }
    else:
        digest = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}[algorithm]
        value = hashlib.pbkdf2_hmac(digest, PASSWORD.encode(), salt, 1000, key_len)
        secret = {"value": b64(value), "salt": b64(salt), "additionalParameters": {}}
        data = {"hashIterations": 1000, "algorithm": algorithm, "additionalParameters": {}}
    return {
        "id": f"kc-{username}",
        "username": username,
        "email": f"{username}@example.com",
        "emailVerified": True,
        "enabled": True,
        "firstName": "Kay",
        "lastName": "Cloak",
        "createdTimestamp": 1_700_000_000_000,
        "credentials": [{"type": "password", "secretData": json.dumps(secret), "credentialData": json.dumps(data)}],
        "groups": ["/staff"],
        "federatedIdentities": [{"identityProvider": "github", "userId": f"gh-{username}", "userName": username}],
    }


def keycloak_realm() -> dict[str, Any]:
    return {
        "realm": "demo",
        "enabled": True,
        "users": [
            keycloak_user("kc256", "pbkdf2-sha256", 32),
            keycloak_user("kc512", "pbkdf2-sha512", 64),
            keycloak_user("kcsha1", "pbkdf2", 20),
            keycloak_user("kcargon", "argon2"),
        ],
    }


def firebase_export() -> dict[str, Any]:
    return {
        "users": [
            {
                "localId": "fb-user-1",
                "email": "user1@example.com",
                "emailVerified": True,
                "displayName": "User One",
                "createdAt": "1700000000000",
                **FIREBASE_SAMPLE,
                "providerUserInfo": [{"providerId": "google.com", "rawId": "g-123"}],
            },
            {"localId": "fb-user-2", "email": "nohash@example.com"},
        ]
    }


def write_json(path: pathlib.Path, data: Any) -> pathlib.Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_ndjson(path: pathlib.Path, lines: list[Any]) -> pathlib.Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def write_csv(path: pathlib.Path, header: list[str], rows: list[list[str]]) -> pathlib.Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path
