/**
 * Where the voice orb (SPEC §7) goes. The orb itself comes later; the slot,
 * its id and its label stay so the layout and the tests already count on them.
 */
export function OrbSlot() {
  return (
    <section aria-label="Voice assistant" id="orb-slot" className="orb-slot">
      <div className="orb-slot__orb" aria-hidden="true" />
      <div className="orb-slot__text">
        <h2 className="orb-slot__title">Donna</h2>
        <p>Your voice assistant will appear here, able to use the connectors below.</p>
      </div>
    </section>
  );
}
