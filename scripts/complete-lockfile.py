#!/usr/bin/env python3
"""Adds the lockfile entries npm leaves out when the registry mirror here does not serve a
platform package (biome's darwin/win32/musl/android binaries). Without them `npm ci` calls
the lockfile out of sync. The entries carry os/cpu, so npm skips them on this platform and
never fetches them. Run after `npm install` changes package-lock.json."""
import json, sys

PLATFORMS = {
    'android-arm64': (['android'], ['arm64'], None),
    'android-x64': (['android'], ['x64'], None),
    'darwin-arm64': (['darwin'], ['arm64'], None),
    'darwin-x64': (['darwin'], ['x64'], None),
    'linux-arm64': (['linux'], ['arm64'], ['glibc']),
    'linux-arm64-musl': (['linux'], ['arm64'], ['musl']),
    'linux-x64': (['linux'], ['x64'], ['glibc']),
    'linux-x64-musl': (['linux'], ['x64'], ['musl']),
    'win32-arm64': (['win32'], ['arm64'], None),
    'win32-x64': (['win32'], ['x64'], None),
}

path = sys.argv[1] if len(sys.argv) > 1 else 'package-lock.json'
lock = json.load(open(path))
packages = lock['packages']
added = 0
for name, entry in list(packages.items()):
    for dep, version in (entry.get('optionalDependencies') or {}).items():
        key = f'node_modules/{dep}'
        if key in packages:
            continue
        suffix = dep.rsplit('/cli-', 1)[-1]
        if suffix not in PLATFORMS:
            sys.exit(f'{dep}: unknown platform package, add it to PLATFORMS')
        os_, cpu, libc = PLATFORMS[suffix]
        new = {'version': version, 'cpu': cpu, 'dev': entry.get('dev', False), 'license': entry.get('license'), 'optional': True, 'os': os_}
        if libc:
            new['libc'] = libc
        packages[key] = {k: v for k, v in new.items() if v not in (None, False) or k == 'optional'}
        added += 1
lock['packages'] = dict(sorted(packages.items(), key=lambda kv: (kv[0] != '', kv[0])))
json.dump(lock, open(path, 'w'), indent=2)
open(path, 'a').write('\n')
print(f'{added} lockfile entries added')
