/* The SET verbs of a capture, in order (written by memwire hda). */

/* codec 0, vendor 0x10ec0285, subsystem 0x17aa3818 */
static const struct hda_verb memwire_verbs[] = {
	{ 0x14, AC_VERB_SET_CONFIG_DEFAULT_BYTES_0, 0x10 }, /* byte 0 = 0x10: assoc 1 seq 0 */
	{ 0x14, AC_VERB_SET_CONFIG_DEFAULT_BYTES_1, 0x1 }, /* byte 1 = 0x01: unknown, misc 0x1 */
	{ 0x14, AC_VERB_SET_CONFIG_DEFAULT_BYTES_2, 0x17 }, /* byte 2 = 0x17: speaker, other-analog */
	{ 0x14, AC_VERB_SET_CONFIG_DEFAULT_BYTES_3, 0x90 }, /* byte 3 = 0x90: fixed, internal */
	{ 0x01, AC_VERB_SET_POWER_STATE, 0x0 }, /* D0 */
	{ 0x02, AC_VERB_SET_AMP_GAIN_MUTE, 0xb057 }, /* out L+R idx 0, gain 87 */
	{ 0x14, AC_VERB_SET_PIN_WIDGET_CONTROL, 0x40 }, /* OUT vref hiz */
	{ 0x14, AC_VERB_SET_EAPD_BTLENABLE, 0x2 }, /* EAPD */
	{ 0x02, AC_VERB_SET_STREAM_FORMAT, 0x11 }, /* PCM 48000 Hz, 16-bit, 2 ch */
	{ 0x02, AC_VERB_SET_CHANNEL_STREAMID, 0x10 }, /* stream 1, channel 0 */
	{ 0x20, AC_VERB_SET_COEF_INDEX, 0x23 }, /* index 0x23 */
	{ 0x20, AC_VERB_SET_PROC_COEF, 0xc203 }, /* coef[0x23] = 0xc203 */
	{ 0x20, AC_VERB_SET_PROC_COEF, 0x0 }, /* coef[0x23+1] = 0x0000 */
	{ 0x20, AC_VERB_SET_PROC_COEF, 0x84 }, /* coef[0x23+2] = 0x0084 */
	{ 0x20, AC_VERB_SET_PROC_COEF, 0xb031 }, /* coef[0x23+3] = 0xb031 */
	{ 0x20, AC_VERB_SET_COEF_INDEX, 0x26 }, /* index 0x26 */
	{ 0x21, AC_VERB_SET_UNSOLICITED_ENABLE, 0x81 }, /* enable, tag 0x01 */
	{ 0x0c, AC_VERB_SET_CONNECT_SEL, 0x1 }, /* input 1 */
	{ 0x20, 0x780, 0x1 }, /* payload 0x01 */
	{ 0x0a, AC_VERB_SET_STREAM_FORMAT, 0x31 }, /* PCM 48000 Hz, 24-bit, 2 ch */
	{ 0x01, AC_VERB_SET_CODEC_RESET, 0x0 }, /* function reset */
	{} /* terminator */
};
