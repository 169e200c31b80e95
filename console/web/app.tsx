import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Lang } from '../terms/index.ts';
import { Api } from './api.ts';
import { I18nContext, i18n } from './i18n.tsx';
import { OwnerConsole } from './owner.tsx';
import { RecipientConsole } from './recipient.tsx';
import { RegulatorConsole } from './regulator.tsx';
import { forgetToken, saveLanguage, saveToken, savedLanguage, savedToken } from './session.ts';
import type { Me } from './types.ts';
import { describeError, Note } from './ui.tsx';

/** Chinese for domestic parties (owners and regulators, jurisdiction CN); English abroad; the person's choice wins. */
function defaultLanguage(me: Me | null): Lang {
  const chosen = savedLanguage();
  if (chosen) return chosen;
  if (me?.party) return me.party.jurisdiction === 'CN' ? 'zh' : 'en';
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'zh';
}

export function App() {
  const [token, setToken] = useState<string | null>(() => savedToken());
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lang, setLang] = useState<Lang>(() => defaultLanguage(null));
  const api = useMemo(() => (token ? new Api(token) : null), [token]);
  const text = useMemo(() => i18n(lang), [lang]);

  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = text.t('title');
  }, [lang]);

  useEffect(() => {
    if (!api) return;
    api.get<Me>('/v1/me').then(
      (who) => {
        setMe(who);
        setLang(defaultLanguage(who));
      },
      (failure: unknown) => {
        forgetToken();
        setToken(null);
        setError(describeError(failure));
      },
    );
  }, [api]);

  const toggleLanguage = () => {
    const next = lang === 'zh' ? 'en' : 'zh';
    saveLanguage(next);
    setLang(next);
  };
  const signOut = () => {
    forgetToken();
    setToken(null);
    setMe(null);
  };
  const { t } = text;

  return (
    <I18nContext.Provider value={text}>
      <a class="skip" href="#main">
        {lang === 'zh' ? '跳到主要内容' : 'Skip to content'}
      </a>
      <header class="top">
        <h1>{t('title')}</h1>
        <div class="who">
          {me?.party && <span>{t('signedInAs', { name: me.party.name, kind: t(`kind.${me.party.kind}`) })}</span>}
          <button type="button" onClick={toggleLanguage} lang={lang === 'zh' ? 'en' : 'zh-CN'}>
            {t('language')}
          </button>
          {token && (
            <button type="button" onClick={signOut}>
              {t('signOut')}
            </button>
          )}
        </div>
      </header>
      {!api || !token ? (
        <SignIn
          error={error}
          onToken={(value) => {
            saveToken(value);
            setError(null);
            setToken(value);
          }}
        />
      ) : !me ? (
        <main id="main" aria-busy="true">
          <p>{t('loading')}</p>
        </main>
      ) : !me.party ? (
        <main id="main">
          <Note kind="warn">{t('adminToken')}</Note>
        </main>
      ) : me.party.kind === 'regulator' ? (
        <RegulatorConsole api={api} me={me.party} />
      ) : me.party.kind === 'domestic' ? (
        <OwnerConsole api={api} me={me.party} />
      ) : (
        <RecipientConsole api={api} me={me.party} />
      )}
    </I18nContext.Provider>
  );
}

function SignIn({ onToken, error }: { onToken(token: string): void; error: string | null }) {
  const { t } = i18n(defaultLanguage(null));
  const submit = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const field = form.elements.namedItem('token') as HTMLInputElement;
    const value = field.value.trim();
    form.reset();
    if (value) onToken(value);
  };
  return (
    <main id="main" class="signin">
      <h2>{t('signInTitle')}</h2>
      <p>{t('signInHelp')}</p>
      {error && <Note kind="error">{t('error', { message: error })}</Note>}
      <form onSubmit={submit} autocomplete="off">
        <label>
          {t('token')}
          <input type="password" name="token" required autocomplete="off" spellcheck={false} />
        </label>
        <button type="submit">{t('signIn')}</button>
      </form>
    </main>
  );
}
