/**
 * The server's display language (--sim-language): appcmd, reg, sc, netstat, fsutil and icacls
 * answer in it, as on a real server (windows-iis.md §11: captures in German, French, Chinese and
 * Russian exist; only DISM takes /English). The wordings here are the simulator's renderings of
 * those captures and of Windows' own message tables where known; where a message is not in the
 * table it stays English. The engine must decide from exit codes, /xml and fixed fields only, so
 * every scenario run in another language proves it does not read the words.
 */
export const SIM_LANGUAGES = ['en-US', 'de-DE', 'zh-CN'] as const;
export type SimLanguage = (typeof SIM_LANGUAGES)[number];

interface Words {
  /** sc query: the STATE label. */
  state: string;
  /** netstat: the LISTENING state and the table's title and header. */
  listening: string;
  activeConnections: string;
  netstatHeader: string;
  /** reg query: the name shown for a key's default value. */
  regDefault: string;
  regNotFound: string;
  /** fsutil volume diskfree: the three labels. */
  freeBytes: [string, string, string];
  /** icacls: the summary line. */
  icaclsSummary: (ok: number, failed: number) => string;
  /** appcmd: message templates by their English pattern. */
  appcmd: [RegExp, (...m: string[]) => string][];
}

const WORDS: Record<Exclude<SimLanguage, 'en-US'>, Words> = {
  'de-DE': {
    state: 'STATUS',
    listening: 'ABHÖREN',
    activeConnections: 'Aktive Verbindungen',
    netstatHeader: '  Proto  Lokale Adresse         Remoteadresse          Status           PID',
    regDefault: '(Standard)',
    regNotFound: 'FEHLER: Der angegebene Registrierungsschlüssel bzw. Wert wurde nicht gefunden.',
    freeBytes: ['Gesamtanzahl freier Bytes       ', 'Gesamtanzahl Bytes              ', 'Gesamtanzahl verfügbarer Bytes  '],
    icaclsSummary: (ok, failed) => `${ok} Dateien erfolgreich verarbeitet; Fehler bei ${failed} Dateien`,
    appcmd: [
      [/^Cannot find (\w+) object with identifier "(.*)"\.$/, (o, id) => `Das ${o}-Objekt mit dem Bezeichner "${id}" wurde nicht gefunden.`],
      [/^Failed to add duplicate collection element "(.*)"\.$/, (id) => `Doppeltes Auflistungselement "${id}" konnte nicht hinzugefügt werden.`],
      [/^Cannot find requested collection element\.$/, () => 'Das angeforderte Auflistungselement wurde nicht gefunden.'],
      [/^(\w+) object "(.*)" (added|changed|deleted)$/, (o, id, verb) => `${o}-Objekt "${id}" ${verb === 'added' ? 'hinzugefügt' : verb === 'changed' ? 'geändert' : 'gelöscht'}`],
      [/^Applied configuration changes to section "(.*)" for "(.*)" at configuration commit path "(.*)"$/, (s, p, c) => `Konfigurationsänderungen wurden auf Abschnitt "${s}" für "${p}" im Konfigurationscommitpfad "${c}" angewendet.`],
      [/^"(.*)" successfully (started|stopped)\.$/, (id, v) => `"${id}" wurde erfolgreich ${v === 'started' ? 'gestartet' : 'beendet'}.`],
      [/^Cannot create a file when that file already exists\. \(Exception from HRESULT: 0x800700B7\)$/, () => 'Eine Datei kann nicht erstellt werden, wenn sie bereits vorhanden ist. (Ausnahme von HRESULT: 0x800700B7)'],
      [/^The process cannot access the file because it is being used by another process\. \(Exception from HRESULT: 0x80070020\)$/, () => 'Der Prozess kann nicht auf die Datei zugreifen, da sie von einem anderen Prozess verwendet wird. (Ausnahme von HRESULT: 0x80070020)'],
    ],
  },
  'zh-CN': {
    state: '状态',
    listening: 'LISTENING',
    activeConnections: '活动连接',
    netstatHeader: '  协议  本地地址          外部地址        状态           PID',
    regDefault: '(默认)',
    regNotFound: '错误: 系统找不到指定的注册表项或值。',
    freeBytes: ['可用字节总数              ', '字节总数                  ', '可用配额字节总数          '],
    icaclsSummary: (ok, failed) => `已成功处理 ${ok} 个文件; 处理 ${failed} 个文件时失败`,
    appcmd: [
      [/^Cannot find (\w+) object with identifier "(.*)"\.$/, (o, id) => `找不到标识符为“${id}”的 ${o} 对象。`],
      [/^Failed to add duplicate collection element "(.*)"\.$/, (id) => `无法添加重复的集合元素“${id}”。`],
      [/^Cannot find requested collection element\.$/, () => '找不到请求的集合元素。'],
      [/^(\w+) object "(.*)" (added|changed|deleted)$/, (o, id, verb) => `已${verb === 'added' ? '添加' : verb === 'changed' ? '更改' : '删除'} ${o} 对象“${id}”`],
      [/^Applied configuration changes to section "(.*)" for "(.*)" at configuration commit path "(.*)"$/, (s, p, c) => `已在配置提交路径“${c}”为“${p}”的“${s}”节应用配置更改`],
      [/^"(.*)" successfully (started|stopped)\.$/, (id, v) => `已成功${v === 'started' ? '启动' : '停止'}“${id}”。`],
      [/^Cannot create a file when that file already exists\. \(Exception from HRESULT: 0x800700B7\)$/, () => '当文件已存在时，无法创建该文件。 (异常来自 HRESULT:0x800700B7)'],
      [/^The process cannot access the file because it is being used by another process\. \(Exception from HRESULT: 0x80070020\)$/, () => '另一个程序正在使用此文件，进程无法访问。 (异常来自 HRESULT:0x80070020)'],
    ],
  },
};

export function words(lang: SimLanguage | undefined): Words | undefined {
  return !lang || lang === 'en-US' ? undefined : WORDS[lang];
}

/** appcmd's text in the server's language, line by line (the ERROR ( message:... ) frame stays). */
export function localizeAppcmd(text: string, lang: SimLanguage | undefined): string {
  const w = words(lang);
  if (!w) return text;
  const one = (line: string): string => {
    for (const [re, f] of w.appcmd) {
      const m = re.exec(line);
      if (m) return f(...m.slice(1));
    }
    return line;
  };
  return text
    .split('\r\n')
    .map((line) => {
      const e = /^ERROR \( (hresult:[0-9a-f]+, )?message:([\s\S]*) \)$/.exec(line);
      return e ? `ERROR ( ${e[1] ?? ''}message:${one(e[2] as string)} )` : one(line);
    })
    .join('\r\n');
}
