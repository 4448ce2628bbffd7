import type { KeypadDigit, SpokenLanguage } from '@camgate/protocol';

type InternetState = 'online' | 'offline' | 'unknown';

/** Everything the camera says, in one language. Fixed strings are prerendered; the functions fill in times. */
export interface Phrases {
  readonly prompts: {
    readonly enterPin: string;
    readonly pinAccepted: string;
    readonly wrongPin: string;
    readonly goodbye: string;
    readonly lockedOut: string;
    readonly timeWarning: string;
    readonly extended: string;
    readonly commandFailed: string;
  };
  /** What the commands answer word for word. */
  readonly feedback: {
    readonly doorOpened: string;
    readonly lightOn: string;
    readonly lightOff: string;
    readonly listen: string;
    readonly speak: string;
    readonly intercom: string;
    readonly noEmailProfile: string;
    readonly noEventImage: string;
    readonly emailSent: string;
    readonly emailFailed: string;
    readonly userClick: string;
    readonly noEvents: string;
  };
  /** Command names as spoken back on selection ("one: door opener"). */
  readonly commands: Readonly<Record<Exclude<KeypadDigit, 2>, string>>;
  readonly digits: readonly string[];
  /** The built-in welcome message. */
  welcome(cameraName: string): string;
  readonly menuStart: string;
  readonly menuEnd: string;
  itIs(time: string): string;
  lastEvent(time: string): string;
  internet(state: InternetState): string;
}

const en: Phrases = {
  prompts: {
    enterPin: 'Please enter your PIN, then press hash.',
    pinAccepted: 'PIN accepted.',
    wrongPin: 'Wrong PIN.',
    goodbye: 'Goodbye.',
    lockedOut: 'Too many wrong PINs. Please try again later. Goodbye.',
    timeWarning: 'This call ends in ten seconds. Press hash to extend it.',
    extended: 'Call extended.',
    commandFailed: 'The command failed.',
  },
  feedback: {
    doorOpened: 'Door opener triggered.',
    lightOn: 'Light on.',
    lightOff: 'Light off.',
    listen: 'Listen mode.',
    speak: 'Speak mode.',
    intercom: 'Intercom mode.',
    noEmailProfile: 'No email profile is set.',
    noEventImage: 'There is no event image yet.',
    emailSent: 'The email was sent.',
    emailFailed: 'The email could not be sent.',
    userClick: 'User click event triggered.',
    noEvents: 'There are no events yet.',
  },
  commands: {
    1: 'door opener', 3: 'light', 4: 'date and time', 5: 'email event image', 6: 'user click',
    7: 'listen', 8: 'speak', 9: 'intercom', 0: 'camera information',
  },
  digits: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  welcome: (name) => `Welcome. This is the ${name}.`,
  menuStart: 'Main menu.',
  menuEnd: 'Select a command with its key, then press hash.',
  itIs: (time) => `It is ${time}.`,
  lastEvent: (time) => `The last event was on ${time}.`,
  internet: (state) => `The Internet connection is ${{ online: 'online', offline: 'offline', unknown: 'not known' }[state]}.`,
};

const de: Phrases = {
  prompts: {
    enterPin: 'Bitte geben Sie Ihre PIN ein und drücken Sie dann die Raute.',
    pinAccepted: 'PIN akzeptiert.',
    wrongPin: 'Falsche PIN.',
    goodbye: 'Auf Wiederhören.',
    lockedOut: 'Zu viele falsche PINs. Bitte versuchen Sie es später noch einmal. Auf Wiederhören.',
    timeWarning: 'Dieser Anruf endet in zehn Sekunden. Drücken Sie die Raute, um ihn zu verlängern.',
    extended: 'Anruf verlängert.',
    commandFailed: 'Der Befehl ist fehlgeschlagen.',
  },
  feedback: {
    doorOpened: 'Türöffner betätigt.',
    lightOn: 'Licht an.',
    lightOff: 'Licht aus.',
    listen: 'Modus Mithören.',
    speak: 'Modus Sprechen.',
    intercom: 'Modus Gegensprechen.',
    noEmailProfile: 'Es ist kein E-Mail-Profil eingestellt.',
    noEventImage: 'Es gibt noch kein Ereignisbild.',
    emailSent: 'Die E-Mail wurde gesendet.',
    emailFailed: 'Die E-Mail konnte nicht gesendet werden.',
    userClick: 'Benutzerklick ausgelöst.',
    noEvents: 'Es gibt noch keine Ereignisse.',
  },
  commands: {
    1: 'Türöffner', 3: 'Licht', 4: 'Datum und Uhrzeit', 5: 'Ereignisbild per E-Mail', 6: 'Benutzerklick',
    7: 'Mithören', 8: 'Sprechen', 9: 'Gegensprechen', 0: 'Kamerainformationen',
  },
  digits: ['null', 'eins', 'zwei', 'drei', 'vier', 'fünf', 'sechs', 'sieben', 'acht', 'neun'],
  welcome: (name) => `Willkommen. Hier ist die Kamera ${name}.`,
  menuStart: 'Hauptmenü.',
  menuEnd: 'Wählen Sie einen Befehl mit seiner Taste und drücken Sie dann die Raute.',
  itIs: (time) => `Es ist ${time}.`,
  lastEvent: (time) => `Das letzte Ereignis war am ${time}.`,
  internet: (state) => `Die Internetverbindung ist ${{ online: 'online', offline: 'offline', unknown: 'unbekannt' }[state]}.`,
};

const fr: Phrases = {
  prompts: {
    enterPin: 'Veuillez saisir votre code PIN, puis appuyez sur dièse.',
    pinAccepted: 'Code PIN accepté.',
    wrongPin: 'Code PIN incorrect.',
    goodbye: 'Au revoir.',
    lockedOut: 'Trop de codes PIN incorrects. Veuillez réessayer plus tard. Au revoir.',
    timeWarning: 'Cet appel se termine dans dix secondes. Appuyez sur dièse pour le prolonger.',
    extended: 'Appel prolongé.',
    commandFailed: 'La commande a échoué.',
  },
  feedback: {
    doorOpened: 'Ouvre-porte activé.',
    lightOn: 'Lumière allumée.',
    lightOff: 'Lumière éteinte.',
    listen: 'Mode écoute.',
    speak: 'Mode parole.',
    intercom: 'Mode interphone.',
    noEmailProfile: "Aucun profil d'e-mail n'est défini.",
    noEventImage: "Il n'y a pas encore d'image d'événement.",
    emailSent: "L'e-mail a été envoyé.",
    emailFailed: "L'e-mail n'a pas pu être envoyé.",
    userClick: 'Clic utilisateur déclenché.',
    noEvents: "Il n'y a pas encore d'événements.",
  },
  commands: {
    1: 'ouvre-porte', 3: 'lumière', 4: 'date et heure', 5: "image d'événement par e-mail", 6: 'clic utilisateur',
    7: 'écoute', 8: 'parole', 9: 'interphone', 0: 'informations de la caméra',
  },
  digits: ['zéro', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'],
  welcome: (name) => `Bienvenue. Ici la caméra ${name}.`,
  menuStart: 'Menu principal.',
  menuEnd: 'Choisissez une commande avec sa touche, puis appuyez sur dièse.',
  itIs: (time) => `Nous sommes le ${time}.`,
  lastEvent: (time) => `Le dernier événement date du ${time}.`,
  internet: (state) => `La connexion Internet est ${{ online: 'active', offline: 'coupée', unknown: 'inconnue' }[state]}.`,
};

const es: Phrases = {
  prompts: {
    enterPin: 'Introduzca su PIN y pulse almohadilla.',
    pinAccepted: 'PIN aceptado.',
    wrongPin: 'PIN incorrecto.',
    goodbye: 'Adiós.',
    lockedOut: 'Demasiados PIN incorrectos. Inténtelo de nuevo más tarde. Adiós.',
    timeWarning: 'Esta llamada termina en diez segundos. Pulse almohadilla para prolongarla.',
    extended: 'Llamada prolongada.',
    commandFailed: 'El comando ha fallado.',
  },
  feedback: {
    doorOpened: 'Abrepuertas activado.',
    lightOn: 'Luz encendida.',
    lightOff: 'Luz apagada.',
    listen: 'Modo escucha.',
    speak: 'Modo habla.',
    intercom: 'Modo intercomunicador.',
    noEmailProfile: 'No hay ningún perfil de correo configurado.',
    noEventImage: 'Todavía no hay ninguna imagen de evento.',
    emailSent: 'El correo se ha enviado.',
    emailFailed: 'No se ha podido enviar el correo.',
    userClick: 'Clic de usuario activado.',
    noEvents: 'Todavía no hay eventos.',
  },
  commands: {
    1: 'abrepuertas', 3: 'luz', 4: 'fecha y hora', 5: 'imagen de evento por correo', 6: 'clic de usuario',
    7: 'escuchar', 8: 'hablar', 9: 'intercomunicador', 0: 'información de la cámara',
  },
  digits: ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve'],
  welcome: (name) => `Bienvenido. Esta es la cámara ${name}.`,
  menuStart: 'Menú principal.',
  menuEnd: 'Elija un comando con su tecla y pulse almohadilla.',
  itIs: (time) => `Es ${time}.`,
  lastEvent: (time) => `El último evento fue el ${time}.`,
  internet: (state) => `La conexión a Internet está ${{ online: 'activa', offline: 'caída', unknown: 'en estado desconocido' }[state]}.`,
};

const it: Phrases = {
  prompts: {
    enterPin: 'Inserisca il PIN, poi prema cancelletto.',
    pinAccepted: 'PIN accettato.',
    wrongPin: 'PIN errato.',
    goodbye: 'Arrivederci.',
    lockedOut: 'Troppi PIN errati. Riprovi più tardi. Arrivederci.',
    timeWarning: 'Questa chiamata termina tra dieci secondi. Prema cancelletto per prolungarla.',
    extended: 'Chiamata prolungata.',
    commandFailed: 'Il comando non è riuscito.',
  },
  feedback: {
    doorOpened: 'Apriporta attivato.',
    lightOn: 'Luce accesa.',
    lightOff: 'Luce spenta.',
    listen: 'Modalità ascolto.',
    speak: 'Modalità parla.',
    intercom: 'Modalità citofono.',
    noEmailProfile: 'Nessun profilo email impostato.',
    noEventImage: "Non c'è ancora nessuna immagine di evento.",
    emailSent: "L'email è stata inviata.",
    emailFailed: "Non è stato possibile inviare l'email.",
    userClick: 'Clic utente attivato.',
    noEvents: 'Non ci sono ancora eventi.',
  },
  commands: {
    1: 'apriporta', 3: 'luce', 4: 'data e ora', 5: 'immagine evento via email', 6: 'clic utente',
    7: 'ascolto', 8: 'parla', 9: 'citofono', 0: 'informazioni della telecamera',
  },
  digits: ['zero', 'uno', 'due', 'tre', 'quattro', 'cinque', 'sei', 'sette', 'otto', 'nove'],
  welcome: (name) => `Benvenuto. Qui è la telecamera ${name}.`,
  menuStart: 'Menu principale.',
  menuEnd: 'Scelga un comando con il suo tasto, poi prema cancelletto.',
  itIs: (time) => `Sono le ${time}.`,
  lastEvent: (time) => `L'ultimo evento è stato ${time}.`,
  internet: (state) => `La connessione Internet è ${{ online: 'attiva', offline: 'assente', unknown: 'sconosciuta' }[state]}.`,
};

const nl: Phrases = {
  prompts: {
    enterPin: 'Voer uw pincode in en druk dan op hekje.',
    pinAccepted: 'Pincode geaccepteerd.',
    wrongPin: 'Verkeerde pincode.',
    goodbye: 'Tot ziens.',
    lockedOut: 'Te veel verkeerde pincodes. Probeer het later opnieuw. Tot ziens.',
    timeWarning: 'Dit gesprek eindigt over tien seconden. Druk op hekje om het te verlengen.',
    extended: 'Gesprek verlengd.',
    commandFailed: 'De opdracht is mislukt.',
  },
  feedback: {
    doorOpened: 'Deuropener bediend.',
    lightOn: 'Licht aan.',
    lightOff: 'Licht uit.',
    listen: 'Luistermodus.',
    speak: 'Spreekmodus.',
    intercom: 'Intercommodus.',
    noEmailProfile: 'Er is geen e-mailprofiel ingesteld.',
    noEventImage: 'Er is nog geen gebeurtenisbeeld.',
    emailSent: 'De e-mail is verzonden.',
    emailFailed: 'De e-mail kon niet worden verzonden.',
    userClick: 'Gebruikersklik geactiveerd.',
    noEvents: 'Er zijn nog geen gebeurtenissen.',
  },
  commands: {
    1: 'deuropener', 3: 'licht', 4: 'datum en tijd', 5: 'gebeurtenisbeeld per e-mail', 6: 'gebruikersklik',
    7: 'luisteren', 8: 'spreken', 9: 'intercom', 0: 'camera-informatie',
  },
  digits: ['nul', 'een', 'twee', 'drie', 'vier', 'vijf', 'zes', 'zeven', 'acht', 'negen'],
  welcome: (name) => `Welkom. Dit is de camera ${name}.`,
  menuStart: 'Hoofdmenu.',
  menuEnd: 'Kies een opdracht met zijn toets en druk dan op hekje.',
  itIs: (time) => `Het is ${time}.`,
  lastEvent: (time) => `De laatste gebeurtenis was op ${time}.`,
  internet: (state) => `De internetverbinding is ${{ online: 'online', offline: 'offline', unknown: 'onbekend' }[state]}.`,
};

/** The translation table: every fixed phrase and command name in each spoken language. */
export const PHRASES: Readonly<Record<SpokenLanguage, Phrases>> = { en, de, fr, es, it, nl };

/** "one: door opener", as a selection is spoken back. */
export function selectionPhrase(phrases: Phrases, digit: KeypadDigit): string {
  return `${phrases.digits[digit]}: ${digit === 2 ? '' : phrases.commands[digit]}`;
}

/** Every fixed sentence of a language, to render once at start-up. */
export function fixedPhrases(phrases: Phrases, digits: readonly KeypadDigit[]): string[] {
  return [
    ...Object.values(phrases.prompts),
    ...Object.values(phrases.feedback),
    ...digits.map((digit) => selectionPhrase(phrases, digit)),
    phrases.internet('online'),
    phrases.internet('offline'),
    phrases.internet('unknown'),
  ];
}
