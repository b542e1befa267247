import { useI18n } from '../i18n';
import { VoiceOrb } from './VoiceOrb';

interface OrbSlotProps {
  /** The voice agent changed a connector: reload the grid. */
  onConnectorsChanged?: () => void;
  /** The grid's name of a connector key, for the orb's approvals. */
  connectorName?: (key: string) => string | undefined;
}

/** Where the voice orb (SPEC §7) lives on the dashboard; its id and label are stable hooks. */
export function OrbSlot({ onConnectorsChanged, connectorName }: OrbSlotProps) {
  const { t } = useI18n();
  return (
    <section aria-label={t.dashboard.voiceAssistant} id="orb-slot" className="orb-slot">
      <VoiceOrb onConnectorsChanged={onConnectorsChanged} connectorName={connectorName} />
    </section>
  );
}
