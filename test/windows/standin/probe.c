/*
 * A tiny real Windows program for the Wine lane's WindowsHost tests (not a stand-in: it simulates
 * nothing). probe.exe echo ARGS...  prints each argument it received (as the C runtime split the
 * command line) as UTF-8 JSON, one per line; exit N; sleep (a minute); env NAME; oem (a line in
 * the console's OEM code page, then a UTF-8 line, CRLF ends); cwd; tree FILE (starts "late FILE"
 * as a child, then sleeps: a kill of the tree must stop both); late FILE (writes FILE after 4 s).
 * Build: x86_64-w64-mingw32-gcc -municode -O2 -s -o probe.exe probe.c
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

static void out(const char *s, DWORD n) { DWORD w; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), s, n, &w, NULL); }
static void out_utf8(const wchar_t *w) {
  char s[8192];
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, s, sizeof s, NULL, NULL);
  if (n > 0) out(s, (DWORD)n - 1);
}
static void json(const wchar_t *a) {
  out("\"", 1);
  for (; *a; a++) {
    wchar_t c[2] = {*a, 0};
    if (*a == L'"' || *a == L'\\') { out("\\", 1); out_utf8(c); }
    else if (*a < 32) { char e[8]; sprintf(e, "\\u%04x", *a); out(e, 6); }
    else out_utf8(c);
  }
  out("\"\r\n", 3);
}

int wmain(int argc, wchar_t **argv) {
  if (argc < 2) return 2;
  if (!wcscmp(argv[1], L"echo")) { for (int i = 2; i < argc; i++) json(argv[i]); return 0; }
  if (!wcscmp(argv[1], L"exit") && argc > 2) return _wtoi(argv[2]);
  if (!wcscmp(argv[1], L"sleep")) { Sleep(60000); return 0; }
  if (!wcscmp(argv[1], L"env") && argc > 2) {
    wchar_t v[32768];
    if (!GetEnvironmentVariableW(argv[2], v, 32768)) return 1;
    json(v);
    return 0;
  }
  if (!wcscmp(argv[1], L"tree") && argc > 2) {
    wchar_t self[32768], cmd[65536];
    GetModuleFileNameW(NULL, self, 32768);
    swprintf(cmd, 65536, L"\"%ls\" late \"%ls\"", self, argv[2]);
    STARTUPINFOW si = {sizeof si};
    PROCESS_INFORMATION pi;
    if (!CreateProcessW(self, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return 3;
    Sleep(60000);
    return 0;
  }
  if (!wcscmp(argv[1], L"late") && argc > 2) {
    Sleep(4000);
    HANDLE f = CreateFileW(argv[2], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
    if (f != INVALID_HANDLE_VALUE) CloseHandle(f);
    return 0;
  }
  if (!wcscmp(argv[1], L"cwd")) { wchar_t v[32768]; GetCurrentDirectoryW(32768, v); json(v); return 0; }
  if (!wcscmp(argv[1], L"oem")) {
    char s[256];
    int n = WideCharToMultiByte(CP_OEMCP, 0, L"\x00c9TAT : Caf\x00e9 \x00fc\x00df", -1, s, sizeof s, NULL, NULL);
    out(s, (DWORD)n - 1);
    out("\r\n", 2);
    out_utf8(L"utf8: \x00e9\x20ac\r\n");
    DWORD w;
    WriteFile(GetStdHandle(STD_ERROR_HANDLE), "to stderr\r\n", 11, &w, NULL);
    return 7;
  }
  return 2;
}
