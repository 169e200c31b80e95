/**
 * Where the console keeps what it must remember. The party token lives in this tab's
 * sessionStorage only (gone when the tab closes; never in a URL, a cookie or localStorage).
 * Regulators' pinned trust anchors and last confirmed tree head are public data and persist in
 * localStorage, per party.
 */
const TOKEN = 'sluice.token';

export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(TOKEN, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN);
}

export function savedLanguage(): 'zh' | 'en' | null {
  const value = localStorage.getItem('sluice.lang');
  return value === 'zh' || value === 'en' ? value : null;
}

export function saveLanguage(lang: 'zh' | 'en'): void {
  localStorage.setItem('sluice.lang', lang);
}

export function remembered<T>(name: string, partyId: string): T | null {
  const text = localStorage.getItem(`sluice.${name}.${partyId}`);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export function remember(name: string, partyId: string, value: unknown): void {
  if (value === null) localStorage.removeItem(`sluice.${name}.${partyId}`);
  else localStorage.setItem(`sluice.${name}.${partyId}`, JSON.stringify(value));
}
