/*
 * SIMULATED TOOL, REAL PROCESS. A stand-in for a Windows program that Wine lacks (appcmd.exe,
 * dism.exe, icacls.exe, sc.exe, the Python installer, a venv's python.exe...), used only by the
 * Wine test lane (npm run test:windows). It is installed at the real program's path inside a Wine
 * prefix; when the tool under test starts it, it sends what it received - its own path, its argv
 * exactly as the Windows C runtime split the command line, its working folder and environment -
 * to the simulated Windows Server (test/windows/bridge.ts) over loopback TCP, writes the answer's
 * stdout and stderr as they come, and exits with its exit code. So the program's BEHAVIOUR is
 * simulated; process creation, command-line quoting, paths, files and HTTP are Wine's Windows
 * runtime. The bridge's address is in the environment: DJIIS_SIM_BRIDGE=127.0.0.1:PORT.
 *
 * Wire format (all integers little-endian u32, strings UTF-8 with a length prefix):
 *   request:  "DJIS" | n | argv[0..n-1] (argv[0] = this exe's full path) | cwd | m | env[0..m-1]
 *   response: frames of  type(u8: 1 stdout, 2 stderr, 3 exit) | len | payload ; exit = i32 code.
 * Build: x86_64-w64-mingw32-gcc -municode -O2 -s -o standin.exe standin.c -lws2_32
 */
#include <winsock2.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *buf;
static size_t len, cap;

static void put(const void *p, size_t n) {
  if (len + n > cap) {
    cap = (len + n) * 2 + 4096;
    buf = realloc(buf, cap);
  }
  memcpy(buf + len, p, n);
  len += n;
}
static void put_u32(unsigned v) { unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >> 24) & 255}; put(b, 4); }
static void put_w(const wchar_t *w) {
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = malloc(n > 0 ? n : 1);
  WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  put_u32(n > 0 ? (unsigned)n - 1 : 0);
  put(s, n > 0 ? (size_t)n - 1 : 0);
  free(s);
}
static int recv_all(SOCKET s, char *p, int n) {
  while (n > 0) {
    int r = recv(s, p, n, 0);
    if (r <= 0) return 0;
    p += r;
    n -= r;
  }
  return 1;
}
static int fail(const char *msg) {
  fprintf(stderr, "stand-in: %s (is the simulated server's bridge running? DJIIS_SIM_BRIDGE)\n", msg);
  return 9010;
}

int wmain(int argc, wchar_t **argv) {
  wchar_t self[32768], cwd[32768], addr[64];
  if (!GetEnvironmentVariableW(L"DJIIS_SIM_BRIDGE", addr, 64)) return fail("DJIIS_SIM_BRIDGE is not set");
  GetModuleFileNameW(NULL, self, 32768);
  GetCurrentDirectoryW(32768, cwd);
  put("DJIS", 4);
  put_u32((unsigned)argc);
  put_w(self);
  for (int i = 1; i < argc; i++) put_w(argv[i]);
  put_w(cwd);
  wchar_t *env = GetEnvironmentStringsW(), *e;
  unsigned m = 0;
  for (e = env; *e; e += wcslen(e) + 1) m++;
  put_u32(m);
  for (e = env; *e; e += wcslen(e) + 1) put_w(e);
  FreeEnvironmentStringsW(env);

  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa)) return fail("WSAStartup failed");
  wchar_t *colon = wcsrchr(addr, L':');
  if (!colon) return fail("DJIIS_SIM_BRIDGE is not HOST:PORT");
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)_wtoi(colon + 1));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET || connect(s, (struct sockaddr *)&sa, sizeof sa)) return fail("cannot connect to the bridge");
  for (size_t off = 0; off < len;) {
    int r = send(s, buf + off, (int)(len - off), 0);
    if (r <= 0) return fail("send failed");
    off += (size_t)r;
  }
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE), err = GetStdHandle(STD_ERROR_HANDLE);
  for (;;) {
    unsigned char h[5];
    if (!recv_all(s, (char *)h, 5)) return fail("the bridge closed the connection");
    unsigned n = h[1] | (h[2] << 8) | (h[3] << 16) | ((unsigned)h[4] << 24);
    char *p = malloc(n ? n : 1);
    if (!recv_all(s, p, (int)n)) return fail("the bridge closed the connection");
    DWORD w;
    if (h[0] == 3) {
      int code = (int)((unsigned char)p[0] | ((unsigned char)p[1] << 8) | ((unsigned char)p[2] << 16) | ((unsigned)(unsigned char)p[3] << 24));
      closesocket(s);
      return code;
    }
    if (n) WriteFile(h[0] == 1 ? out : err, p, n, &w, NULL);
    free(p);
  }
}
