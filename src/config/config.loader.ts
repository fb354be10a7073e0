import { readFileSync } from 'node:fs';
import { getProperties } from 'properties-file';
import { OpenViduConfig, PROPERTIES, PROPERTY_BY_KEY, defaultConfig, envName } from './config.schema.js';
import { checkValue, crossCheck, parseText } from './config.values.js';

export type ConfigSource = 'default' | 'env' | 'file';

export interface LoadedConfig {
  config: OpenViduConfig;
  sources: Map<string, ConfigSource>;
  /** `key: reason` for every value that could not be used. Empty when the config is valid. */
  errors: string[];
  /** Keys in the file that this server does not know (kept in the file, ignored here). */
  unknownFileKeys: string[];
  configFile?: string;
}

/** The externalized file: `OPENVIDU_CONFIG_FILE`, or Spring's `spring.config.additional-location`. */
export function configFilePath(env: NodeJS.ProcessEnv): string | undefined {
  const raw =
    env.OPENVIDU_CONFIG_FILE ||
    env.SPRING_CONFIG_ADDITIONAL_LOCATION ||
    env['spring.config.additional-location'] ||
    undefined;
  return raw ? raw.replace(/^file:/, '') : undefined;
}

export function readPropertiesFile(path: string): Record<string, string> {
  try {
    return getProperties(readFileSync(path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

/** Defaults < environment < externalized file (the file holds what `/pro/restart` applied). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  const sources = new Map<string, ConfigSource>();
  const errors: string[] = [];
  const apply = (key: string, text: string, source: ConfigSource) => {
    const def = PROPERTY_BY_KEY.get(key)!;
    const parsed = parseText(def, text);
    if (!parsed.ok) {
      errors.push(`${key} (${source === 'env' ? envName(key) : 'file'}): ${parsed.reason}`);
      return;
    }
    const bad = checkValue(def, parsed.value);
    if (bad) {
      errors.push(`${key} (${source === 'env' ? envName(key) : 'file'}): ${bad}`);
      return;
    }
    config[key] = parsed.value;
    sources.set(key, source);
  };

  for (const def of PROPERTIES) {
    const text = env[envName(def.key)] ?? env[def.key];
    if (text !== undefined) apply(def.key, text, 'env');
  }

  const configFile = configFilePath(env);
  const unknownFileKeys: string[] = [];
  if (configFile) {
    let props: Record<string, string> = {};
    try {
      props = readPropertiesFile(configFile);
    } catch (e) {
      errors.push(`OPENVIDU_CONFIG_FILE: cannot read ${configFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    for (const [key, text] of Object.entries(props)) {
      if (PROPERTY_BY_KEY.has(key)) apply(key, text, 'file');
      else unknownFileKeys.push(key);
    }
  }

  const cfg = config as unknown as OpenViduConfig;
  // Cross checks run even when other keys are bad, so one boot lists everything to fix.
  const failed = new Set(errors.map((e) => e.split(' ')[0]));
  for (const e of crossCheck(cfg)) if (!failed.has(e.key)) errors.push(`${e.key}: ${e.reason}`);
  return { config: cfg, sources, errors, unknownFileKeys, configFile };
}
